import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { type CoreClient, coreFailure } from '../kit/core-client';

export interface CachedStoreOptions {
  /** How long a fetched installation is used without asking core again. Default 60 s. */
  freshMs?: number;
  /** After that, how long it is still used (while core is asked again in the background). Default 10 min. */
  staleMs?: number;
  now?: () => number;
}

interface CacheEntry {
  installation: Installation;
  fetchedAt: number;
  refreshing?: Promise<void> | undefined;
}

const cacheKey = (query: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }) =>
  query.isEnterpriseInstall ? `E:${query.enterpriseId}` : `T:${query.teamId}`;

/**
 * Bolt's installation store kept by core (PostgreSQL, tokens sealed with the core secret), reached
 * over tRPC with the Slack app's service token.
 *
 * Bolt looks the installation up for every request before the listener can acknowledge it, so a
 * slow core must not delay acknowledgements: installations are cached here, used fresh for a minute
 * and then served stale while core is asked again. Removing an installation drops it from the cache
 * at once; other replicas stop using a revoked token when Slack refuses it or their copy expires.
 */
export function coreInstallationStore(core: CoreClient, opts: CachedStoreOptions = {}): InstallationStore {
  const freshMs = opts.freshMs ?? 60_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();

  const load = async (query: InstallationQuery<boolean>): Promise<Installation> => {
    const found = await core.slack.installations.find.query({
      isEnterpriseInstall: query.isEnterpriseInstall,
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.enterpriseId ? { enterpriseId: query.enterpriseId } : {}),
    });
    // Core returns the record exactly as storeInstallation handed it over.
    const installation = found as unknown as Installation;
    cache.set(cacheKey(query), { installation, fetchedAt: now() });
    return installation;
  };

  return {
    async storeInstallation(installation) {
      // Bolt's record goes over as it is; core checks the fields it reads.
      await core.slack.installations.save.mutate(
        installation as unknown as Parameters<typeof core.slack.installations.save.mutate>[0],
      );
      const key = cacheKey({
        isEnterpriseInstall: installation.isEnterpriseInstall === true,
        ...(installation.enterprise?.id ? { enterpriseId: installation.enterprise.id } : {}),
        ...(installation.team?.id ? { teamId: installation.team.id } : {}),
      });
      cache.set(key, { installation: installation as Installation, fetchedAt: now() });
    },

    async fetchInstallation(query) {
      const entry = cache.get(cacheKey(query));
      const age = entry ? now() - entry.fetchedAt : Number.POSITIVE_INFINITY;
      if (entry && age < freshMs) return entry.installation;
      if (entry && age < freshMs + staleMs) {
        entry.refreshing ??= load(query).then(
          () => undefined,
          (error: unknown) => {
            // Gone in core (uninstalled through another replica): forget it. Core unreachable: keep
            // serving the copy and try again on the next request.
            if (coreFailure(error).code === 'NOT_FOUND') cache.delete(cacheKey(query));
            else delete entry.refreshing;
          },
        );
        return entry.installation;
      }
      return load(query);
    },

    async deleteInstallation(query) {
      cache.delete(cacheKey(query));
      await core.slack.installations.remove.mutate({
        isEnterpriseInstall: query.isEnterpriseInstall,
        ...(query.teamId ? { teamId: query.teamId } : {}),
        ...(query.enterpriseId ? { enterpriseId: query.enterpriseId } : {}),
      });
    },
  };
}
