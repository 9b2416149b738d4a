import type { PlatformTraits } from './platform-traits';
import type { ActionRow, Reply } from './reply';

/** Where a command was issued, as core's `x-atelier-actor` header states it. */
export interface ActorSpace {
  id: string;
  kind: 'guild' | 'workspace' | 'group' | 'dm';
  name: string;
}

/** The person acting, by their id on the bot's platform. */
export interface Actor {
  userId: string;
  userName: string;
  space: ActorSpace | null;
  /**
   * The adapter checked that this person administers the space (Telegram chat administrator,
   * Discord Manage Server, Slack workspace admin or owner). Only set for calls that need it.
   */
  spaceAdmin?: boolean;
}

/** A conversation a bot can post into. `direct` is a one-to-one chat with the user. */
export interface ChatTarget {
  chatId: string;
  threadId?: string;
  direct: boolean;
}

/** A message the bot posted, to edit it later. */
export interface MessageRef {
  chatId: string;
  messageId: string;
  /**
   * Epoch ms after which the platform refuses edits (a Discord interaction token's 15 minutes);
   * absent when the message stays editable.
   */
  editableUntil?: number;
}

export type FileKind = 'image' | 'video' | 'audio';

/** A file the user attached (or replied to); `url` is fetched lazily because it may cost an API call. */
export interface Attachment {
  kind: FileKind;
  filename?: string;
  /** A URL core may download (allow-listed platform host). */
  url(): Promise<string>;
  /**
   * The file's bytes, fetched by the adapter, for platforms whose file URLs need the bot's own
   * credentials (Slack's url_private): the kit uploads them instead of handing core the URL
   * (see attachment-ingest.ts).
   */
  bytes?(): Promise<{ bytes: Uint8Array; contentType: string }>;
}

/**
 * What an adapter supplies for one incoming command, button press or select choice. The adapter has
 * already acknowledged the event (deferred, acked) with the visibility `prepare`/`press` returned.
 */
export interface CommandContext {
  actor: Actor;
  chat: ChatTarget;
  traits: PlatformTraits;
  /** The user's own message, when there is one. */
  messageId?: string;
  /** Stable per incoming event (`telegram:update:123`): a repeat creates nothing new. */
  requestKey?: string;
  /**
   * Answers the event: the first call fills the deferred answer, later ones follow up. A reply
   * marked ephemeral is seen by the asker only where the platform can (`traits.ephemeral`).
   */
  reply(reply: Reply): Promise<MessageRef>;
  /** Edits a message this context posted; throws ChatPlatformError(permanent) once it is no longer editable. */
  edit(ref: MessageRef, reply: Reply): Promise<void>;
  /** Posts a new message into the chat, independent of the event (it never expires). */
  post(reply: Reply): Promise<MessageRef>;
  /**
   * A short notice for the actor alone where the platform can (a toast or alert for a button press,
   * an ephemeral follow-up); otherwise a message in the chat.
   */
  notify(text: string, opts?: { alert?: boolean }): Promise<void>;
  /** For a button press or select: replaces the actions of the message it sits on ([] removes them). */
  updateSource?(actions: ActionRow[]): Promise<void>;
  /** Sends to the user's direct chat; null when the platform cannot reach them there. */
  sendPrivate(reply: Reply): Promise<MessageRef | null>;
  /** Whether the actor administers this space (may cost a platform call; false in direct chats). */
  isSpaceAdmin(): Promise<boolean>;
}

/** Where deliveries are posted: the adapter's outgoing side, independent of any incoming event. */
export interface ChatSink {
  send(target: ChatTarget, reply: Reply, opts?: { replyTo?: string }): Promise<MessageRef>;
  edit(ref: MessageRef, reply: Reply): Promise<void>;
  /** The direct chat with a user (by platform user id), or null when the platform cannot open one. */
  directChat(platformUserId: string): Promise<ChatTarget | null>;
}

/**
 * A platform refused a post. `permanent` means retrying cannot help (the chat is gone, the bot was
 * blocked, the edit window closed): a delivery is then acknowledged anyway so it does not come back.
 */
export class ChatPlatformError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ChatPlatformError';
  }
}

/** Structurally compatible with core's logger; bots receive one, they never create core's. */
export interface KitLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const quietLogger: KitLogger = { debug() {}, info() {}, warn() {}, error() {} };
