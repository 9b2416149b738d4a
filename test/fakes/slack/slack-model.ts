// The fake's records. Field names follow Slack's wire objects where a record is sent as one.

export interface SlackAppConfig {
  appId: string;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  /** App-level token (xapp-...) for Socket Mode's apps.connections.open. */
  appToken: string;
  /** The app's one Request URL (slash commands, interactivity and events), as in its manifest. */
  requestUrl?: string;
  /** Where OAuth sends the user back; checked against `redirect_uri` when one is given. */
  redirectUrls: string[];
  /** Bot scopes granted on install. */
  scopes: string[];
  /** The slash commands the manifest declares. */
  commands: string[];
}

export interface Workspace {
  id: string;
  name: string;
  domain: string;
  enterpriseId?: string;
  enterpriseName?: string;
}

export interface Member {
  id: string;
  teamId: string;
  name: string;
  realName: string;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
}

export interface Channel {
  id: string;
  teamId: string;
  name: string;
  kind: 'public' | 'private' | 'im';
  members: Set<string>;
  /** Whether the app's bot user was added to the channel (it hears mentions and may post only then). */
  appInvited: boolean;
}

export interface Installation {
  teamId: string;
  enterpriseId?: string;
  botToken: string;
  botUserId: string;
  botId: string;
  scopes: string[];
  installerUserId: string;
  /** Set on uninstall or revocation: the token then answers `token_revoked`. */
  revoked: boolean;
}

export interface StoredFile {
  id: string;
  teamId: string;
  userId: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  bytes: Buffer | null;
  /** Bytes promised in files.getUploadURLExternal. */
  length: number;
  completed: boolean;
  altText?: string;
}

export type Block = Record<string, unknown> & { type: string };

export interface MessageVersion {
  text: string;
  blocks: Block[];
}

/** One entry of a channel's transcript: what a member of the channel would see, in order. */
export interface TranscriptEntry {
  channel: string;
  ts: string;
  threadTs?: string;
  /** Who posted it: a member's or the bot's user id. */
  author: string;
  /** How it got there. */
  via:
    | 'user'
    | 'chat.postMessage'
    | 'chat.postEphemeral'
    | 'files.completeUploadExternal'
    | 'response_url'
    | 'ack';
  /** Only this member sees it (ephemeral messages, `response_type: ephemeral`). */
  visibleTo?: string;
  text: string;
  blocks: Block[];
  files: StoredFile[];
  /** Every earlier version, oldest first, when the message was updated. */
  history: MessageVersion[];
  deleted: boolean;
}

export interface View {
  id: string;
  teamId: string;
  userId: string;
  type: 'modal' | 'home';
  callbackId?: string;
  privateMetadata?: string;
  body: Record<string, unknown>;
  open: boolean;
}

export interface Trigger {
  id: string;
  teamId: string;
  userId: string;
  issuedAt: number;
  used: boolean;
}

export interface ResponseUrl {
  id: string;
  url: string;
  teamId: string;
  channel: string;
  userId: string;
  /**
   * The message `replace_original` replaces: the one a pressed button sat on; otherwise (slash
   * commands) the last message posted through this URL.
   */
  sourceTs?: string;
  /** The last message posted through this URL (or the acknowledgement it came with). */
  lastPostedTs?: string;
  issuedAt: number;
  uses: number;
}
