import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, BlockAction, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type ChatKit, createChatKit } from '../kit/chat-kit';
import { connectCore } from '../kit/core-client';
import type { Attachment, KitLogger } from '../kit/kit.types';
import { quietLogger } from '../kit/kit.types';
import type { Reply } from '../kit/reply';
import { TaskSet } from '../kit/task-set';
import { installedClients, type SlackClients, singleWorkspaceClients } from './slack-clients';
import { type SlackSource, slackContext } from './slack-context';
import { SlackDirectory } from './slack-directory';
import { ACTION_ID_PREFIX, type KnownBlock, toMessage } from './slack-format';
import { installAppHome } from './slack-home';
import { createSlackHttpApp } from './slack-http-app';
import { mentionCommandText, type SlackFile, slackAttachment, splitCommandText } from './slack-input';
import { coreInstallationStore } from './slack-installation-store';
import { SlackSender } from './slack-sender';
import { installUseAsInput } from './slack-use-as-input';

/** The slash command in the app's manifest. */
export const SLASH_COMMAND = '/atelier';
/** Where the app's routes live on core's server (events, install, OAuth redirect). */
export const SLACK_PATH_PREFIX = '/slack';

export interface SlackAppOptions {
  /** Core's base URL (CORE_URL) and this app's service token (platform slack). */
  coreUrl: string;
  serviceToken: string;
  /** SLACK_SIGNING_SECRET */
  signingSecret: string;
  auth:
    | { kind: 'single-workspace'; botToken: string }
    | { kind: 'oauth'; clientId: string; clientSecret: string; stateSecret: string; publicUrl: string };
  /** SLACK_API_URL: another Web API server (a proxy, a test fake); with the trailing slash. */
  apiUrl?: string;
  /** SLACK_APP_TOKEN: Socket Mode instead of the HTTP Request URL (one workspace). */
  appToken?: string;
  logger?: KitLogger;
  /** Minimum time between two edits of a progress message. Default 1000 ms. */
  progressEditIntervalMs?: number;
}

export interface SlackApp {
  /** Serves /slack/events (and /slack/install, /slack/oauth_redirect with OAuth); mount it on core's server. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Lets running commands and deliveries finish. */
  stop(): Promise<void>;
}

interface Wiring {
  kit: ChatKit;
  sender: SlackSender;
  directory: SlackDirectory;
  clients: SlackClients;
  tasks: TaskSet;
  apiUrl: string | undefined;
}

/** What an immediate acknowledgement says: an ephemeral message (a typing mistake, help for a typo). */
function ackMessage(reply: Reply) {
  return { response_type: 'ephemeral' as const, ...toMessage(reply) };
}

function attachmentsOf(files: readonly SlackFile[] | undefined, teamId: string, w: Wiring): Attachment[] {
  const token = async () => {
    const client = await w.clients.forTeam(teamId);
    if (!client.token) throw new Error('no bot token for this workspace');
    return client.token;
  };
  return (files ?? []).flatMap(
    (f) => slackAttachment(f, { token, ...(w.apiUrl ? { apiUrl: w.apiUrl } : {}) }) ?? [],
  );
}

/**
 * Runs a command through the kit's two phases: prepare (parse only), acknowledge (the HTTP
 * response to Slack, within its 3 seconds), then the work.
 */
async function runCommand(
  w: Wiring,
  src: SlackSource,
  text: string,
  files: readonly Attachment[],
  ack: (reply?: Reply) => Promise<void>,
): Promise<void> {
  const ctx = slackContext(w, src);
  const { command, rest } = splitCommandText(text);
  const prepared = w.kit.prepare(ctx, command, { text: rest }, files);
  if (!prepared.ok) {
    await ack(prepared.reply);
    return;
  }
  await ack();
  w.tasks.run(`slack ${prepared.command}`, prepared.run);
}

function installCommand(app: App, w: Wiring): void {
  app.command(SLASH_COMMAND, async ({ command, ack }: SlackCommandMiddlewareArgs) => {
    const src: SlackSource = {
      teamId: command.team_id,
      teamName: await w.directory.teamLabel(command.team_id),
      channel: command.channel_id,
      userId: command.user_id,
      userName: w.directory.personLabel(command.user_id, command.user_name),
      responseUrl: command.response_url,
      receivedAt: Date.now(),
      requestKey: `slack:command:${command.trigger_id}`,
    };
    await runCommand(w, src, command.text, [], async (reply) => {
      await (reply ? ack(ackMessage(reply)) : ack());
    });
  });
}

function installMentions(app: App, w: Wiring): void {
  app.event('app_mention', async ({ event, body }) => {
    const teamId = event.team ?? (body as { team_id: string }).team_id;
    const userId = event.user;
    if (!userId) return;
    const src: SlackSource = {
      teamId,
      teamName: await w.directory.teamLabel(teamId),
      channel: event.channel,
      ...(event.thread_ts ? { threadTs: event.thread_ts } : {}),
      userId,
      userName: w.directory.personLabel(userId),
      receivedAt: Date.now(),
      requestKey: `slack:event:${(body as { event_id: string }).event_id}`,
    };
    const files = attachmentsOf((event as { files?: SlackFile[] }).files, teamId, w);
    // Events were acknowledged by Bolt already; a typing mistake is answered only to the member.
    await runCommand(w, src, mentionCommandText(event.text), files, async (reply) => {
      if (reply) await slackContext(w, src).reply({ ...reply, visibility: 'ephemeral' });
    });
  });
}

function installButtons(app: App, w: Wiring): void {
  app.action<BlockAction>(new RegExp(`^${ACTION_ID_PREFIX}:`), async ({ ack, body, action }) => {
    await ack();
    const value =
      action.type === 'button'
        ? action.value
        : action.type === 'static_select'
          ? action.selected_option?.value
          : undefined;
    // Link buttons send an action too; there is nothing to do for them.
    if (!value || !body.channel?.id || !body.team?.id) return;
    const message = body.message as
      | { ts: string; text?: string; blocks?: KnownBlock[]; thread_ts?: string }
      | undefined;
    const ts = body.container.message_ts ?? message?.ts ?? '';
    const src: SlackSource = {
      teamId: body.team.id,
      teamName: await w.directory.teamLabel(body.team.id),
      channel: body.channel.id,
      ...(message?.thread_ts ? { threadTs: message.thread_ts } : {}),
      userId: body.user.id,
      userName: w.directory.personLabel(body.user.id, body.user.name ?? body.user.username),
      ...(body.response_url ? { responseUrl: body.response_url } : {}),
      receivedAt: Date.now(),
      // The same member pressing the same button again asks for the same thing: core returns the first.
      requestKey: `slack:press:${body.team.id}:${body.channel.id}:${ts}:${value}:${body.user.id}`,
      source: {
        ts,
        text: message?.text ?? '',
        blocks: message?.blocks ?? [],
        ephemeral: body.container.is_ephemeral === true,
      },
    };
    const pressed = w.kit.press(slackContext(w, src), value);
    w.tasks.run('slack button', pressed.run);
  });
}

/**
 * Starts the Slack app in HTTP mode: slash command, mentions (with files as input), buttons, the
 * Use as input shortcut, App Home, and deliveries of finished results. Mount `handle` at /slack.
 */
export async function startSlackApp(opts: SlackAppOptions): Promise<SlackApp> {
  const logger = opts.logger ?? quietLogger;
  const clientOptions = { ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}), logger };
  const installationStore =
    opts.auth.kind === 'oauth'
      ? coreInstallationStore(connectCore({ coreUrl: opts.coreUrl, serviceToken: opts.serviceToken }).service)
      : null;
  const http = createSlackHttpApp({
    signingSecret: opts.signingSecret,
    ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
    ...(opts.appToken ? { appToken: opts.appToken } : {}),
    logger,
    auth:
      opts.auth.kind === 'oauth'
        ? { ...opts.auth, installationStore: installationStore! }
        : { kind: 'single-workspace', botToken: opts.auth.botToken },
  });
  const clients =
    opts.auth.kind === 'oauth'
      ? installedClients(installationStore!, clientOptions)
      : singleWorkspaceClients(opts.auth.botToken, clientOptions);
  const directory = new SlackDirectory(clients);
  if (opts.auth.kind === 'single-workspace') {
    // Checks the token at start-up and learns the workspace's name for its space.
    const me = await (await clients.forTeam('')).auth.test();
    if (me.team_id && me.team) directory.rememberTeamName(me.team_id, me.team);
  }
  const kit = createChatKit({
    coreUrl: opts.coreUrl,
    serviceToken: opts.serviceToken,
    platform: 'slack',
    logger,
    ...(opts.progressEditIntervalMs !== undefined
      ? { progressEditIntervalMs: opts.progressEditIntervalMs }
      : {}),
  });
  const sender = new SlackSender(clients, directory, logger);
  const tasks = new TaskSet(logger);
  const wiring: Wiring = { kit, sender, directory, clients, tasks, apiUrl: opts.apiUrl };
  installCommand(http.app, wiring);
  installMentions(http.app, wiring);
  installButtons(http.app, wiring);
  installUseAsInput(http.app, wiring, runCommand);
  installAppHome(http.app, wiring, connectCore({ coreUrl: opts.coreUrl, serviceToken: opts.serviceToken }));
  http.app.error(async (error) => {
    logger.error('slack request failed', { error: String(error) });
  });
  await kit.ready();
  kit.consumeDeliveries(sender);
  await http.start();
  logger.info('slack app started', {
    mode: opts.auth.kind,
    transport: opts.appToken ? 'socket mode' : 'http',
  });
  return {
    handle: http.handle,
    async stop() {
      await http.stop();
      await tasks.drain();
      await kit.close();
    },
  };
}

export type { Wiring as SlackWiring };
