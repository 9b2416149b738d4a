import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackApiRoute } from './slack-api-route';
import { handlePrivateDownload, handleSignInPage, handleUpload } from './slack-files-route';
import { sendText } from './slack-http';
import { randomToken, slackId } from './slack-ids';
import type {
  Channel,
  Installation,
  Member,
  SlackAppConfig,
  StoredFile,
  TranscriptEntry,
  View,
  Workspace,
} from './slack-model';
import { handleResponseUrl } from './slack-response-url-route';
import { SocketModeLink } from './slack-socket-mode';
import { transcriptLines } from './slack-transcript';
import { SlackUserSide } from './slack-user-side';
import { mimeFor } from './slack-web-api';
import { SlackWorld } from './slack-world';

export type { ApiCallRecord } from './slack-api-route';
export type {
  Channel,
  Installation,
  Member,
  StoredFile,
  TranscriptEntry,
  View,
  Workspace,
} from './slack-model';
export { slackSignature } from './slack-signing';
export type { Delivery, DeliveryOptions } from './slack-user-side';

export const DEFAULT_SCOPES = [
  'commands',
  'chat:write',
  'files:read',
  'files:write',
  'users:read',
  'app_mentions:read',
  'im:write',
];

/**
 * A protocol-faithful fake of Slack for tests, on one loopback HTTP server:
 *
 *   /api/{method}            the Web API (point @slack/web-api or Bolt at `apiUrl` via slackApiUrl)
 *   /upload/v1/{file}        upload URLs from files.getUploadURLExternal
 *   /files-pri/{team-file}/  url_private downloads (bot token of that workspace required)
 *   /commands/{...}          response URLs (30 minutes, 5 uses)
 *
 * and `slack.user`, Slack's side of the conversation: signed requests to the app's Request URL for
 * what members do. State (workspaces, members, channels, transcripts, files, views) is in `world`.
 *
 *   const slack = new FakeSlack({ requestUrl: `${app}/slack/events` });
 *   await slack.start();
 *   const acme = slack.world.addWorkspace({ name: 'Acme' });
 *   const alice = slack.world.addMember(acme, { name: 'Alice' });
 *   const general = slack.world.addChannel(acme, { name: 'general', members: [alice] });
 *   const { botToken } = slack.install(acme, alice);
 *   await slack.user.slashCommand(alice, general, '/atelier', 'gen a fox');
 *   await waitUntil(() => slack.transcript(general).some((l) => l.includes('fox')));
 *
 * Not modelled: Socket Mode, Enterprise Grid org-wide installs, message deletion by the app,
 * user tokens, and Slack's own automatic redelivery schedule (tests redeliver explicitly).
 */
export class FakeSlack {
  readonly world: SlackWorld;
  readonly user: SlackUserSide;
  /** Socket Mode: the app's WebSocket connections (opened with apps.connections.open). */
  readonly socketMode: SocketModeLink;
  private readonly api: SlackApiRoute;
  private server: Server | undefined;

  constructor(app: Partial<SlackAppConfig> = {}) {
    this.world = new SlackWorld({
      appId: app.appId ?? slackId('A'),
      clientId: app.clientId ?? `${Math.floor(Math.random() * 1e12)}.${Math.floor(Math.random() * 1e12)}`,
      clientSecret: app.clientSecret ?? randomToken('secret'),
      signingSecret: app.signingSecret ?? randomToken('signing'),
      appToken: app.appToken ?? randomToken('xapp-1'),
      redirectUrls: app.redirectUrls ?? [],
      scopes: app.scopes ?? DEFAULT_SCOPES,
      commands: app.commands ?? ['/atelier'],
      ...(app.requestUrl ? { requestUrl: app.requestUrl } : {}),
    });
    this.socketMode = new SocketModeLink(this.world.app.appId);
    this.api = new SlackApiRoute(this.world, this.socketMode);
    this.user = new SlackUserSide(this.world, this.socketMode);
  }

  get app(): SlackAppConfig {
    return this.world.app;
  }

  /** The Web API base URL with its trailing slash, as `slackApiUrl` wants it. */
  get apiUrl(): string {
    return `${this.world.baseUrl}/api/`;
  }

  get url(): string {
    return this.world.baseUrl;
  }

  /** Every Web API call so far, in order. */
  get calls() {
    return this.api.calls;
  }

  async start(): Promise<{ apiUrl: string; close: () => Promise<void> }> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendText(res, 500, `fake slack failed: ${String(error)}`);
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/link/')) this.socketMode.upgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.world.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { apiUrl: this.apiUrl, close: () => this.close() };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    this.socketMode.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake.slack').pathname;
    const [, head, ...rest] = path.split('/');
    const tail = rest.map(decodeURIComponent);
    if (head === 'api' && req.method === 'POST' && tail[0]) return this.api.handle(req, res, tail[0]);
    if (head === 'upload' && tail[0] === 'v1' && tail[1]) return handleUpload(this.world, req, res, tail[1]);
    if (head === 'files-pri' && tail[0] && req.method === 'GET')
      return handlePrivateDownload(this.world, req, res, tail[0]);
    if (head === 'commands' && tail.length === 3)
      return handleResponseUrl(this.world, req, res, tail.join('/'));
    if (head === 'signin') return handleSignInPage(res);
    sendText(res, 404, 'Not Found');
  }

  // --- conveniences for tests -------------------------------------------------------------------

  /** Installs the app directly (no OAuth screens), as for a single-workspace app with SLACK_BOT_TOKEN. */
  install(workspace: Workspace, installer: Member): Installation {
    return this.world.install(workspace, installer);
  }

  /** Make the next `times` calls of `method` answer 429 with Retry-After. */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    this.api.rateLimit(method, { retryAfterSeconds, times });
  }

  /** Make the next `times` calls of `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times = 1): void {
    this.api.failNext(method, error, times);
  }

  /** A file a member uploaded to Slack (to share with a mention or see in a message). */
  uploadAsMember(member: Member, file: { name: string; bytes: Buffer; mimetype?: string }): StoredFile {
    const stored = this.world.addFile({
      teamId: member.teamId,
      userId: member.id,
      name: file.name,
      mimetype: file.mimetype ?? mimeFor(file.name),
      filetype: file.name.split('.').pop()?.toLowerCase() ?? 'binary',
      bytes: file.bytes,
    });
    stored.completed = true;
    return stored;
  }

  /** A message a member posts (no event is sent: the app only hears mentions). */
  postAsMember(member: Member, channel: Channel, text: string, files: StoredFile[] = []): TranscriptEntry {
    return this.world.post({ channel: channel.id, author: member.id, via: 'user', text, blocks: [], files });
  }

  transcript(channel: Channel, opts: { thread?: string } = {}): string[] {
    return transcriptLines(this.world, channel.id, opts);
  }

  messages(channel: Channel): TranscriptEntry[] {
    return this.world.transcript(channel.id);
  }

  /** The modals open for a member, newest last. */
  openModals(member: Member): View[] {
    return [...this.world.views.values()].filter(
      (v) => v.type === 'modal' && v.open && v.userId === member.id,
    );
  }

  /** The App Home view last published for a member. */
  home(member: Member): View | undefined {
    return [...this.world.views.values()]
      .filter((v) => v.type === 'home' && v.open && v.userId === member.id)
      .at(-1);
  }
}
