import type { Button, Reply } from './reply';

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
}

/** A file the user attached (or replied to); `url` is fetched lazily because it may cost an API call. */
export interface Attachment {
  kind: 'image' | 'video' | 'audio';
  filename?: string;
  /** A URL core may download (allow-listed platform host). */
  url(): Promise<string>;
}

/** What an adapter supplies for one incoming command or button press. */
export interface CommandContext {
  actor: Actor;
  chat: ChatTarget;
  /** The user's own message, when there is one. */
  messageId?: string;
  /** Stable per incoming event (`telegram:update:123`): a repeat creates nothing new. */
  requestKey?: string;
  reply(reply: Reply): Promise<MessageRef>;
  edit(ref: MessageRef, reply: Reply): Promise<void>;
  /** Sends to the user's direct chat; null when the platform cannot reach them there. */
  sendPrivate(reply: Reply): Promise<MessageRef | null>;
}

/** What a button press leaves behind: a short notice (a toast) and, optionally, new buttons for its message. */
export interface ButtonOutcome {
  notice?: string;
  /** The notice is a refusal the user should not miss (shown as an alert where the platform can). */
  alert?: boolean;
  /** Replaces the buttons of the message the button was on ([] removes them). */
  buttons?: Button[][];
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
 * blocked): the delivery is then acknowledged anyway so it does not come back forever.
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
