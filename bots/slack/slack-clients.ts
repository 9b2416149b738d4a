import { type InstallationStore, webApi } from '@slack/bolt';
import type { KitLogger } from '../kit/kit.types';
import { boltLogger } from './slack-logger';

type WebClient = InstanceType<typeof webApi.WebClient>;

export type { WebClient };

/**
 * The Web API client for a workspace, outside any incoming request (deliveries, App Home, admins):
 * the one bot token, or the installation's token from the store (several workspaces).
 */
export interface SlackClients {
  forTeam(teamId: string): Promise<WebClient>;
  /** The workspace's name when the credentials carry it (an installation does), without asking Slack. */
  teamName(teamId: string): Promise<string | undefined>;
}

export interface ClientOptions {
  apiUrl?: string;
  logger: KitLogger;
}

function newClient(token: string, opts: ClientOptions, teamId?: string): WebClient {
  return new webApi.WebClient(token, {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    ...(teamId ? { teamId } : {}),
    logger: boltLogger(opts.logger, 'slack-web-api'),
    // A rate-limited call waits as Slack says (Retry-After), but gives up after a few tries.
    retryConfig: { retries: 3, factor: 2, minTimeout: 500 },
  });
}

export function singleWorkspaceClients(botToken: string, opts: ClientOptions): SlackClients {
  const client = newClient(botToken, opts);
  return { forTeam: async () => client, teamName: async () => undefined };
}

export function installedClients(store: InstallationStore, opts: ClientOptions): SlackClients {
  const byToken = new Map<string, WebClient>();
  const installationOf = (teamId: string) =>
    store.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false });
  return {
    teamName: async (teamId) => (await installationOf(teamId).catch(() => undefined))?.team?.name,
    async forTeam(teamId) {
      const installation = await installationOf(teamId);
      const token = installation.bot?.token;
      if (!token) throw new Error(`the Slack installation of ${teamId} has no bot token`);
      let client = byToken.get(token);
      if (!client) {
        if (byToken.size > 1000) byToken.clear();
        client = newClient(token, opts, teamId);
        byToken.set(token, client);
      }
      return client;
    },
  };
}
