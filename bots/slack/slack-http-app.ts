import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  HTTPReceiver,
  type InstallationQuery,
  type InstallationStore,
  SocketModeReceiver,
} from '@slack/bolt';
import { type KitLogger, quietLogger } from '../kit/kit.types';
import { boltLogger } from './slack-logger';
import { dropRedeliveries } from './slack-redeliveries';

/** The one Request URL for slash commands, interactivity and the Events API (as in the manifest). */
export const SLACK_EVENTS_PATH = '/slack/events';
export const SLACK_INSTALL_PATH = '/slack/install';
export const SLACK_REDIRECT_PATH = '/slack/oauth_redirect';
/** Bot scopes the app asks for; the README's manifest lists the same. */
export const SLACK_BOT_SCOPES = [
  'commands',
  'chat:write',
  'files:read',
  'files:write',
  'users:read',
  'app_mentions:read',
  'im:write',
];

export type SlackAuth =
  /** SLACK_BOT_TOKEN: the app lives in one workspace. */
  | { kind: 'single-workspace'; botToken: string }
  /** SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: installable through OAuth into many. */
  | {
      kind: 'oauth';
      clientId: string;
      clientSecret: string;
      stateSecret: string;
      /** Where Slack sends the installer back: `${publicUrl}/slack/oauth_redirect`. */
      publicUrl: string;
      installationStore: InstallationStore;
    };

export interface SlackHttpAppOptions {
  /** SLACK_SIGNING_SECRET: every request to the Request URL must carry its signature. */
  signingSecret: string;
  auth: SlackAuth;
  /** SLACK_API_URL, e.g. `http://127.0.0.1:PORT/api/` (with the trailing slash). */
  apiUrl?: string;
  /**
   * SLACK_APP_TOKEN (xapp-...): Socket Mode. Slack then sends everything over a WebSocket the app
   * opens, and nothing is served over HTTP (one workspace only: OAuth needs the install pages).
   */
  appToken?: string;
  logger?: KitLogger;
}

export interface SlackHttpApp {
  readonly app: App;
  /**
   * Node request handler for core's server (or the bot's own): serves the Request URL and, with
   * OAuth, the install and redirect pages; false for any other path. A bad signature or a timestamp
   * older than 5 minutes is answered 401 before anything runs.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Socket Mode: opens the connection (HTTP mode has nothing to start). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Bolt app in HTTP mode whose requests arrive through `handle` (mounted on core's server at
 * /slack), with installations removed when Slack says the app was uninstalled or its token revoked.
 * Listeners for commands, actions and events are added by the caller.
 */
export function createSlackHttpApp(opts: SlackHttpAppOptions): SlackHttpApp {
  const logger = opts.logger ?? quietLogger;
  const clientOptions = opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {};
  const auth = opts.auth;
  if (opts.appToken) {
    if (auth.kind !== 'single-workspace')
      throw new Error('Socket Mode serves one workspace: use SLACK_BOT_TOKEN');
    const socket = new SocketModeReceiver({
      appToken: opts.appToken,
      logger: boltLogger(logger, 'slack-socket-mode'),
      installerOptions: { clientOptions },
    });
    const app = new App({
      receiver: socket,
      token: auth.botToken,
      clientOptions,
      logger: boltLogger(logger),
    });
    installLifecycle(app, auth, logger);
    return {
      app,
      handle: async () => false,
      start: async () => {
        await app.start();
      },
      stop: async () => {
        await app.stop();
      },
    };
  }
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    endpoints: [SLACK_EVENTS_PATH],
    logger: boltLogger(logger, 'slack-receiver'),
    ...(auth.kind === 'oauth'
      ? {
          clientId: auth.clientId,
          clientSecret: auth.clientSecret,
          stateSecret: auth.stateSecret,
          scopes: SLACK_BOT_SCOPES,
          installationStore: auth.installationStore,
          redirectUri: `${auth.publicUrl.replace(/\/+$/, '')}${SLACK_REDIRECT_PATH}`,
          installerOptions: {
            installPath: SLACK_INSTALL_PATH,
            redirectUriPath: SLACK_REDIRECT_PATH,
            clientOptions,
            callbackOptions: {
              success: (installation, _options, _req, res) => {
                const team = installation.team?.name ?? installation.enterprise?.name ?? 'your workspace';
                res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
                res.end(installedPage(team));
              },
            },
          },
        }
      : {}),
  });
  const app = new App({
    receiver,
    clientOptions,
    logger: boltLogger(logger),
    ...(auth.kind === 'single-workspace' ? { token: auth.botToken } : {}),
  });
  installLifecycle(app, auth, logger);

  return {
    app,
    start: async () => {},
    stop: async () => {},
    handle: async (req, res) => {
      try {
        await receiver.requestListener(req, res);
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'HTTPReceiverDeferredRequestError') return false;
        throw error;
      }
    },
  };
}

/** Redelivered events dropped; installations removed when Slack says the app was uninstalled or its token revoked. */
function installLifecycle(app: App, auth: SlackAuth, logger: KitLogger): void {
  app.use(dropRedeliveries(logger));
  const forget = async (query: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }) => {
    if (auth.kind !== 'oauth') {
      logger.error('Slack revoked SLACK_BOT_TOKEN: reinstall the app and set the new token');
      return;
    }
    await auth.installationStore.deleteInstallation?.({
      isEnterpriseInstall: query.isEnterpriseInstall === true,
      teamId: query.teamId,
      enterpriseId: query.enterpriseId,
    } as InstallationQuery<boolean>);
    logger.info('Slack installation removed', { teamId: query.teamId, enterpriseId: query.enterpriseId });
  };
  // Bolt skips authorization for these two events, so they arrive even though the token is gone.
  app.event('app_uninstalled', async ({ context }) => forget(context));
  app.event('tokens_revoked', async ({ event, context }) => {
    if ((event.tokens.bot ?? []).length > 0) await forget(context);
  });
}

function installedPage(team: string): string {
  const safe = team.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Atelier is installed</title></head><body><h1>Atelier is installed in ${safe}</h1><p>Type <code>/atelier</code> in any channel to start.</p></body></html>`;
}
