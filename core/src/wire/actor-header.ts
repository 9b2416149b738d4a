/**
 * What a bot states about who is acting and where, sent as base64url(JSON) in `x-atelier-actor`.
 * The platform is not part of it: it comes from the service token, so a bot can only act for its own
 * platform. Shared by core (which validates it) and its clients (which send it); no server code here.
 */
export const ACTOR_HEADER = 'x-atelier-actor';

export type SpaceKind = 'guild' | 'workspace' | 'group' | 'dm';

export interface ActorHeader {
  userId: string;
  userName: string;
  space?: { id: string; kind: SpaceKind; name: string } | null;
  /**
   * Whether the acting person administers `space`, as the platform says (Telegram: a chat administrator;
   * Discord: Manage Server; Slack: a workspace admin or owner). Only admins change the space's team
   * policy, and a pool limited to admins is spent only by them. Absent means no.
   */
  spaceAdmin?: boolean;
}

export function encodeActor(actor: ActorHeader): string {
  return Buffer.from(JSON.stringify(actor)).toString('base64url');
}
