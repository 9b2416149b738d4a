import { randomToken, slackId, TsClock } from './slack-ids';
import type {
  Block,
  Channel,
  Installation,
  Member,
  ResponseUrl,
  SlackAppConfig,
  StoredFile,
  TranscriptEntry,
  Trigger,
  View,
  Workspace,
} from './slack-model';

/** Slack's limits the fake enforces (documented by Slack). */
export const TRIGGER_TTL_MS = 3_000;
export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_MAX_USES = 5;
export const OAUTH_CODE_TTL_MS = 10 * 60_000;

export class SlackFailure extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

/**
 * Everything the fake Slack knows: workspaces, their members and channels, the app's installations,
 * messages (as per-channel transcripts), files, views, and the short-lived ids Slack hands out
 * (trigger ids, response URLs, OAuth codes). The clock can be moved forward to expire them.
 */
export class SlackWorld {
  readonly workspaces = new Map<string, Workspace>();
  readonly members = new Map<string, Member>();
  readonly channels = new Map<string, Channel>();
  readonly installations = new Map<string, Installation>();
  readonly files = new Map<string, StoredFile>();
  readonly views = new Map<string, View>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrl>();
  readonly oauthCodes = new Map<
    string,
    { teamId: string; userId: string; issuedAt: number; redirectUri?: string }
  >();
  private readonly messages = new Map<string, TranscriptEntry[]>();
  private clockOffsetMs = 0;
  readonly ts = new TsClock(() => this.now());
  /** Set by the server once it listens: every URL the fake hands out starts with it. */
  baseUrl = '';

  constructor(readonly app: SlackAppConfig) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  // --- directory --------------------------------------------------------------------------------

  addWorkspace(opts: { name: string; enterprise?: { id?: string; name: string } }): Workspace {
    const id = slackId('T');
    const workspace: Workspace = {
      id,
      name: opts.name,
      domain: opts.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      ...(opts.enterprise
        ? { enterpriseId: opts.enterprise.id ?? slackId('E'), enterpriseName: opts.enterprise.name }
        : {}),
    };
    this.workspaces.set(id, workspace);
    return workspace;
  }

  addMember(
    workspace: Workspace,
    opts: { name: string; admin?: boolean; owner?: boolean; bot?: boolean },
  ): Member {
    const member: Member = {
      id: slackId('U'),
      teamId: workspace.id,
      name: opts.name.toLowerCase().replace(/\s+/g, '.'),
      realName: opts.name,
      isAdmin: opts.admin ?? opts.owner ?? false,
      isOwner: opts.owner ?? false,
      isBot: opts.bot ?? false,
    };
    this.members.set(member.id, member);
    return member;
  }

  addChannel(
    workspace: Workspace,
    opts: { name: string; private?: boolean; members?: readonly Member[]; app?: boolean },
  ): Channel {
    const channel: Channel = {
      id: slackId(opts.private ? 'G' : 'C'),
      teamId: workspace.id,
      name: opts.name,
      kind: opts.private ? 'private' : 'public',
      members: new Set((opts.members ?? []).map((m) => m.id)),
      appInvited: opts.app ?? true,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The direct-message channel between a member and the app's bot user (created on first use). */
  directChannel(member: Member): Channel {
    const bot = this.installationOf(member.teamId);
    for (const channel of this.channels.values()) {
      if (channel.kind === 'im' && channel.members.has(member.id) && channel.teamId === member.teamId)
        return channel;
    }
    const channel: Channel = {
      id: slackId('D'),
      teamId: member.teamId,
      name: member.name,
      kind: 'im',
      members: new Set([member.id, ...(bot ? [bot.botUserId] : [])]),
      appInvited: true,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  member(id: string): Member {
    const member = this.members.get(id);
    if (!member) throw new SlackFailure('user_not_found');
    return member;
  }

  channel(id: string): Channel {
    const channel = this.channels.get(id);
    if (!channel) throw new SlackFailure('channel_not_found');
    return channel;
  }

  workspace(id: string): Workspace {
    const workspace = this.workspaces.get(id);
    if (!workspace) throw new Error(`no workspace ${id}`);
    return workspace;
  }

  // --- installations ----------------------------------------------------------------------------

  /** Installs the app into a workspace (what approving the OAuth screen does) and returns the grant. */
  install(workspace: Workspace, installer: Member): Installation {
    const previous = this.installationOf(workspace.id);
    if (previous) previous.revoked = true;
    const installation: Installation = {
      teamId: workspace.id,
      ...(workspace.enterpriseId ? { enterpriseId: workspace.enterpriseId } : {}),
      botToken: randomToken('xoxb'),
      botUserId: previous?.botUserId ?? slackId('U'),
      botId: previous?.botId ?? slackId('B'),
      scopes: [...this.app.scopes],
      installerUserId: installer.id,
      revoked: false,
    };
    this.installations.set(installation.botToken, installation);
    return installation;
  }

  /** The workspace's current (not revoked) installation. */
  installationOf(teamId: string): Installation | undefined {
    for (const installation of this.installations.values()) {
      if (installation.teamId === teamId && !installation.revoked) return installation;
    }
    return undefined;
  }

  /** Uninstalling revokes every token of the workspace. */
  uninstall(teamId: string): void {
    for (const installation of this.installations.values()) {
      if (installation.teamId === teamId) installation.revoked = true;
    }
  }

  authenticate(token: string | undefined): Installation {
    if (!token) throw new SlackFailure('not_authed');
    const installation = this.installations.get(token);
    if (!installation) throw new SlackFailure('invalid_auth');
    if (installation.revoked) throw new SlackFailure('token_revoked');
    return installation;
  }

  // --- messages ---------------------------------------------------------------------------------

  post(
    entry: Omit<TranscriptEntry, 'ts' | 'history' | 'deleted' | 'files'> & { files?: StoredFile[] },
  ): TranscriptEntry {
    const full: TranscriptEntry = {
      ...entry,
      ts: this.ts.next(),
      files: entry.files ?? [],
      history: [],
      deleted: false,
    };
    const list = this.messages.get(entry.channel) ?? [];
    list.push(full);
    this.messages.set(entry.channel, list);
    return full;
  }

  message(channel: string, ts: string): TranscriptEntry | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  update(entry: TranscriptEntry, next: { text: string; blocks: Block[] }): void {
    entry.history.push({ text: entry.text, blocks: entry.blocks });
    entry.text = next.text;
    entry.blocks = next.blocks;
  }

  transcript(channel: string): TranscriptEntry[] {
    return (this.messages.get(channel) ?? []).filter((m) => !m.deleted);
  }

  // --- short-lived ids --------------------------------------------------------------------------

  issueTrigger(member: Member): string {
    const id = `${Math.floor(this.now() / 1000)}.${slackId('T', 6)}.${randomToken('t').slice(-16)}`;
    this.triggers.set(id, {
      id,
      teamId: member.teamId,
      userId: member.id,
      issuedAt: this.now(),
      used: false,
    });
    return id;
  }

  /** A trigger id works once, within 3 seconds, in its own workspace. */
  useTrigger(id: string | undefined, teamId: string): Trigger {
    const trigger = id ? this.triggers.get(id) : undefined;
    if (!trigger || trigger.teamId !== teamId) throw new SlackFailure('invalid_trigger_id');
    if (trigger.used || this.now() - trigger.issuedAt > TRIGGER_TTL_MS)
      throw new SlackFailure('expired_trigger_id');
    trigger.used = true;
    return trigger;
  }

  issueResponseUrl(opts: { teamId: string; channel: string; userId: string; sourceTs?: string }): string {
    const id = `${slackId('T', 8)}/${Math.floor(Math.random() * 1e13)}/${randomToken('r').slice(-24)}`;
    const url = `${this.baseUrl}/commands/${id}`;
    this.responseUrls.set(id, { id, url, ...opts, issuedAt: this.now(), uses: 0 });
    return url;
  }

  /** The record behind a response URL this fake issued. */
  responseUrlRecord(url: string): ResponseUrl {
    const record = this.responseUrls.get(url.slice(`${this.baseUrl}/commands/`.length));
    if (!record) throw new Error(`not a response URL of this fake: ${url}`);
    return record;
  }

  issueOAuthCode(teamId: string, userId: string, redirectUri?: string): string {
    const code = `${Date.now()}.${randomToken('c').slice(-32)}`;
    this.oauthCodes.set(code, {
      teamId,
      userId,
      issuedAt: this.now(),
      ...(redirectUri ? { redirectUri } : {}),
    });
    return code;
  }

  // --- files ------------------------------------------------------------------------------------

  addFile(
    opts: Omit<StoredFile, 'id' | 'completed' | 'length' | 'title'> & {
      title?: string;
      bytes: Buffer | null;
      length?: number;
    },
  ): StoredFile {
    const file: StoredFile = {
      id: slackId('F'),
      title: opts.title ?? opts.name,
      length: opts.length ?? opts.bytes?.length ?? 0,
      completed: false,
      ...opts,
    };
    this.files.set(file.id, file);
    return file;
  }

  /** The file object Slack sends in messages, events and files.* answers. */
  fileObject(file: StoredFile): Record<string, unknown> {
    const base = `${this.baseUrl}/files-pri/${file.teamId}-${file.id}`;
    return {
      id: file.id,
      created: Math.floor(this.now() / 1000),
      timestamp: Math.floor(this.now() / 1000),
      name: file.name,
      title: file.title,
      mimetype: file.mimetype,
      filetype: file.filetype,
      pretty_type: file.filetype.toUpperCase(),
      user: file.userId,
      user_team: file.teamId,
      size: file.bytes?.length ?? file.length,
      mode: 'hosted',
      is_external: false,
      is_public: false,
      url_private: `${base}/${encodeURIComponent(file.name)}`,
      url_private_download: `${base}/download/${encodeURIComponent(file.name)}`,
      permalink: `${this.baseUrl}/files/${file.userId}/${file.id}/${encodeURIComponent(file.name)}`,
      ...(file.altText ? { alt_txt: file.altText } : {}),
    };
  }
}
