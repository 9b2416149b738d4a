import type { Block, Channel, Member, StoredFile, TranscriptEntry, View, Workspace } from './slack-model';
import {
  blockActionsPayload,
  type EventEnvelope,
  eventEnvelope,
  messageShortcutPayload,
  slashCommandBody,
  viewSubmissionPayload,
} from './slack-payloads';
import { applyResponse, type ResponseMessage } from './slack-response-url-route';
import { signedHeaders } from './slack-signing';
import type { Acknowledgement, SocketModeLink } from './slack-socket-mode';
import { SlackFailure, type SlackWorld } from './slack-world';

/** How a request to the app is signed; tests use the last two to check the app refuses it. */
export interface SigningOptions {
  /** Sign with this secret instead of the app's. */
  signingSecret?: string;
  /** Shift `x-slack-request-timestamp` by this many seconds (negative: in the past). */
  timestampSkewSeconds?: number;
}

export interface DeliveryOptions extends SigningOptions {
  /** Sent as X-Slack-Retry-Num / X-Slack-Retry-Reason, as Slack does when it redelivers. */
  retry?: { num: number; reason?: 'http_timeout' | 'http_error' | 'too_many_redirects' | 'unknown_error' };
}

/** What the app answered one request with. */
export interface Delivery {
  status: number;
  body: string;
  contentType: string | null;
  /** From the request's start to the response's headers. */
  latencyMs: number;
  /** The exact request, so it can be replayed (`redeliver`). */
  request: { body: string; contentType: string };
}

/**
 * Slack's side of the conversation with an app: what members do (commands, mentions, button presses,
 * shortcuts, modal submissions, opening App Home) turned into signed requests to the app's Request
 * URL, and what the app's HTTP acknowledgement means (a message for commands and buttons, errors or a
 * closed modal for view submissions).
 */
export class SlackUserSide {
  constructor(
    private readonly world: SlackWorld,
    private readonly socketMode: SocketModeLink,
  ) {}

  private requestUrl(): string {
    const url = this.world.app.requestUrl;
    if (!url) throw new Error('the fake app has no requestUrl: set it before sending requests');
    return url;
  }

  /** Sends one signed request; returns whatever the app answered (never throws on a status). */
  async send(body: string, contentType: string, opts: DeliveryOptions = {}): Promise<Delivery> {
    const timestamp = Math.floor(this.world.now() / 1000) + (opts.timestampSkewSeconds ?? 0);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signedHeaders(opts.signingSecret ?? this.world.app.signingSecret, body, timestamp),
    };
    if (opts.retry) {
      headers['x-slack-retry-num'] = String(opts.retry.num);
      headers['x-slack-retry-reason'] = opts.retry.reason ?? 'http_timeout';
    }
    const started = performance.now();
    const res = await fetch(this.requestUrl(), { method: 'POST', headers, body, redirect: 'manual' });
    const latencyMs = performance.now() - started;
    return {
      status: res.status,
      body: await res.text(),
      contentType: res.headers.get('content-type'),
      latencyMs,
      request: { body, contentType },
    };
  }

  /** Sends a request again, byte for byte, marked as Slack's retry number `num`. */
  redeliver(delivery: Delivery, num: number, opts: SigningOptions = {}): Promise<Delivery> {
    return this.send(delivery.request.body, delivery.request.contentType, { ...opts, retry: { num } });
  }

  private sendPayload(payload: Record<string, unknown>, opts?: DeliveryOptions): Promise<Delivery> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, 'application/x-www-form-urlencoded', opts);
  }

  private sendEvent(envelope: EventEnvelope, opts?: DeliveryOptions): Promise<Delivery> {
    return this.send(JSON.stringify(envelope), 'application/json', opts);
  }

  private botUserId(teamId: string): string {
    const installation = this.world.installationOf(teamId);
    if (!installation) throw new Error(`the app is not installed in ${teamId}`);
    return installation.botUserId;
  }

  /** The acknowledgement of a command or an interaction is a message, like a response URL's. */
  private applyAck(
    delivery: Delivery,
    target: { channel: string; userId: string; sourceTs?: string; lastPostedTs?: string },
  ): void {
    if (delivery.status !== 200 || delivery.body === '') return;
    let message: ResponseMessage;
    if (delivery.contentType?.startsWith('application/json')) {
      message = JSON.parse(delivery.body) as ResponseMessage;
      if (!message.text && !message.blocks) return;
    } else {
      message = { text: delivery.body };
    }
    applyResponse(this.world, target, message, 'ack');
  }

  async slashCommand(
    member: Member,
    channel: Channel,
    command: string,
    text: string,
    opts: DeliveryOptions = {},
  ): Promise<Delivery & { responseUrl: string; triggerId: string }> {
    if (!this.world.app.commands.includes(command))
      throw new Error(`${command} is not in the app's manifest`);
    const triggerId = this.world.issueTrigger(member);
    const responseUrl = this.world.issueResponseUrl({
      teamId: member.teamId,
      channel: channel.id,
      userId: member.id,
    });
    const body = slashCommandBody(this.world, { member, channel, command, text, triggerId, responseUrl });
    const delivery = await this.send(body, 'application/x-www-form-urlencoded', opts);
    this.applyAck(delivery, this.world.responseUrlRecord(responseUrl));
    return { ...delivery, responseUrl, triggerId };
  }

  /** The same slash command over Socket Mode: an envelope on the app's WebSocket, acknowledged there. */
  async slashCommandOverSocket(
    member: Member,
    channel: Channel,
    command: string,
    text: string,
  ): Promise<Acknowledgement> {
    if (!this.world.app.commands.includes(command))
      throw new Error(`${command} is not in the app's manifest`);
    const triggerId = this.world.issueTrigger(member);
    const responseUrl = this.world.issueResponseUrl({
      teamId: member.teamId,
      channel: channel.id,
      userId: member.id,
    });
    const payload = Object.fromEntries(
      new URLSearchParams(
        slashCommandBody(this.world, { member, channel, command, text, triggerId, responseUrl }),
      ),
    );
    const ack = await this.socketMode.deliver('slash_commands', payload);
    if (ack.payload)
      applyResponse(
        this.world,
        this.world.responseUrlRecord(responseUrl),
        ack.payload as ResponseMessage,
        'ack',
      );
    return ack;
  }

  /** A member's message mentioning the app (posted to the channel), then the app_mention event. */
  async mention(
    member: Member,
    channel: Channel,
    text: string,
    opts: DeliveryOptions & { files?: StoredFile[]; threadTs?: string } = {},
  ): Promise<{ message: TranscriptEntry; delivery: Delivery; envelope: EventEnvelope }> {
    const workspace = this.world.workspace(member.teamId);
    const botUserId = this.botUserId(workspace.id);
    const fullText = `<@${botUserId}> ${text}`;
    const message = this.world.post({
      channel: channel.id,
      ...(opts.threadTs ? { threadTs: opts.threadTs } : {}),
      author: member.id,
      via: 'user',
      text: fullText,
      blocks: [] as Block[],
      files: opts.files ?? [],
    });
    if (!channel.appInvited) throw new Error('Slack sends app_mention only from channels the app is in');
    const envelope = eventEnvelope(
      this.world,
      workspace,
      {
        type: 'app_mention',
        user: member.id,
        text: fullText,
        ts: message.ts,
        channel: channel.id,
        team: workspace.id,
        event_ts: message.ts,
        ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
        ...(opts.files?.length
          ? { files: opts.files.map((f) => this.world.fileObject(f)), upload: false }
          : {}),
      },
      botUserId,
    );
    return { message, delivery: await this.sendEvent(envelope, opts), envelope };
  }

  async pressButton(
    member: Member,
    message: TranscriptEntry,
    actionId: string,
    opts: DeliveryOptions & { value?: string } = {},
  ): Promise<Delivery> {
    const channel = this.world.channel(message.channel);
    if (message.visibleTo && message.visibleTo !== member.id)
      throw new Error('members cannot see, so cannot press, others’ ephemeral messages');
    if (!channel.members.has(member.id)) throw new Error(`${member.name} is not in #${channel.name}`);
    const triggerId = this.world.issueTrigger(member);
    const responseUrl = this.world.issueResponseUrl({
      teamId: member.teamId,
      channel: channel.id,
      userId: member.id,
      sourceTs: message.ts,
    });
    const delivery = await this.sendPayload(
      blockActionsPayload(this.world, {
        member,
        message,
        actionId,
        triggerId,
        responseUrl,
        ...(opts.value !== undefined ? { value: opts.value } : {}),
      }),
      opts,
    );
    this.applyAck(delivery, this.world.responseUrlRecord(responseUrl));
    return delivery;
  }

  async messageShortcut(
    member: Member,
    message: TranscriptEntry,
    callbackId: string,
    opts: DeliveryOptions = {},
  ): Promise<Delivery> {
    const triggerId = this.world.issueTrigger(member);
    const responseUrl = this.world.issueResponseUrl({
      teamId: member.teamId,
      channel: message.channel,
      userId: member.id,
    });
    return this.sendPayload(
      messageShortcutPayload(this.world, { member, message, callbackId, triggerId, responseUrl }),
      opts,
    );
  }

  /**
   * Submits an open modal. Slack closes it on an empty 200 (or `response_action: clear`) and keeps
   * it open showing `errors` on `response_action: errors`; returned as `errors`.
   */
  async submitView(
    member: Member,
    view: View,
    values: Record<string, Record<string, string>>,
    opts: DeliveryOptions = {},
  ): Promise<Delivery & { errors?: Record<string, string> }> {
    if (!view.open || view.type !== 'modal' || view.userId !== member.id)
      throw new Error('no such open modal for this member');
    const triggerId = this.world.issueTrigger(member);
    const delivery = await this.sendPayload(
      viewSubmissionPayload(this.world, { member, view, values, triggerId }),
      opts,
    );
    if (delivery.status !== 200) return delivery;
    const answer = delivery.body
      ? (JSON.parse(delivery.body) as { response_action?: string; errors?: Record<string, string> })
      : {};
    if (answer.response_action === 'errors') return { ...delivery, errors: answer.errors ?? {} };
    view.open = false;
    return delivery;
  }

  openAppHome(member: Member, opts: DeliveryOptions = {}): Promise<Delivery> {
    const workspace = this.world.workspace(member.teamId);
    const channel = this.world.directChannel(member);
    return this.sendEvent(
      eventEnvelope(
        this.world,
        workspace,
        { type: 'app_home_opened', user: member.id, channel: channel.id, tab: 'home' },
        this.botUserId(workspace.id),
      ),
      opts,
    );
  }

  /** Someone removes the app: its tokens stop working, then Slack sends tokens_revoked and app_uninstalled. */
  async uninstall(
    workspace: Workspace,
    opts: DeliveryOptions = {},
  ): Promise<{ tokensRevoked: Delivery; appUninstalled: Delivery }> {
    const installation = this.world.installationOf(workspace.id);
    if (!installation) throw new Error('the app is not installed there');
    this.world.uninstall(workspace.id);
    const tokensRevoked = await this.sendEvent(
      eventEnvelope(
        this.world,
        workspace,
        { type: 'tokens_revoked', tokens: { oauth: [], bot: [installation.botUserId] } },
        installation.botUserId,
      ),
      opts,
    );
    const appUninstalled = await this.sendEvent(
      eventEnvelope(this.world, workspace, { type: 'app_uninstalled' }, installation.botUserId),
      opts,
    );
    return { tokensRevoked, appUninstalled };
  }

  /** An admin revokes the bot token only (the app stays listed): tokens_revoked alone. */
  async revokeBotToken(workspace: Workspace, opts: DeliveryOptions = {}): Promise<Delivery> {
    const installation = this.world.installationOf(workspace.id);
    if (!installation) throw new Error('the app is not installed there');
    installation.revoked = true;
    return this.sendEvent(
      eventEnvelope(
        this.world,
        workspace,
        { type: 'tokens_revoked', tokens: { oauth: [], bot: [installation.botUserId] } },
        installation.botUserId,
      ),
      opts,
    );
  }

  /** Slack's check when a Request URL is saved: the app must echo `challenge`. */
  urlVerification(challenge: string, opts: DeliveryOptions = {}): Promise<Delivery> {
    return this.send(
      JSON.stringify({ token: 'deprecated-verification-token', challenge, type: 'url_verification' }),
      'application/json',
      opts,
    );
  }

  /**
   * A member in a browser: opens the app's install page, approves the app on Slack's consent screen
   * for their workspace, and follows the redirect back to the app with the state cookie. Returns the
   * app's answer to the redirect.
   */
  async installThroughOAuth(
    installUrl: string,
    installer: Member,
  ): Promise<{ status: number; body: string }> {
    const page = await fetch(installUrl, { redirect: 'manual' });
    const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const html = await page.text();
    const authorize =
      page.headers.get('location') ??
      html.match(/href="([^"]*oauth\/v2\/authorize[^"]*)"/)?.[1]?.replaceAll('&amp;', '&');
    if (!authorize) throw new Error(`the install page links to no authorize URL (status ${page.status})`);
    const redirect = this.approve(new URL(authorize), installer);
    const back = await fetch(redirect, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    return { status: back.status, body: await back.text() };
  }

  /** Slack's consent screen: checks the client id and redirect URI, issues a one-time code. */
  private approve(authorize: URL, installer: Member): string {
    if (!authorize.pathname.endsWith('/oauth/v2/authorize'))
      throw new Error(`not an authorize URL: ${authorize}`);
    const q = authorize.searchParams;
    if (q.get('client_id') !== this.world.app.clientId) throw new SlackFailure('invalid_client_id');
    const redirectUri = q.get('redirect_uri') ?? undefined;
    if (redirectUri && !this.world.app.redirectUrls.includes(redirectUri))
      throw new SlackFailure('bad_redirect_uri');
    const target = new URL(redirectUri ?? this.world.app.redirectUrls[0] ?? '');
    target.searchParams.set('code', this.world.issueOAuthCode(installer.teamId, installer.id, redirectUri));
    const state = q.get('state');
    if (state) target.searchParams.set('state', state);
    return target.toString();
  }
}
