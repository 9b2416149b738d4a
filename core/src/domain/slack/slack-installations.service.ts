import type { Db } from '../../db/database';
import { AppError } from '../../errors';
import { seal, unseal } from '../../secrets/seal';
import { ensureSpace } from '../accounts/accounts.service';
import { recordAudit } from '../audit/audit.service';
import * as repo from './slack-installations.repo';

/**
 * Bolt's installation record, kept as Bolt shaped it (it reads it back as is). Core looks only at
 * the fields below; the rest travels sealed with the tokens.
 */
export interface SlackInstallation {
  team?: { id: string; name?: string } | null;
  enterprise?: { id: string; name?: string } | null;
  isEnterpriseInstall?: boolean;
  appId?: string;
  bot?: { token: string; userId: string; id?: string; scopes: string[] };
  user: { id: string };
  [field: string]: unknown;
}

/** How Bolt asks for an installation (its InstallationQuery). */
export interface SlackInstallationQuery {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
}

interface Deps {
  db: Db;
  /** The core secret: installations are sealed with a key derived from it. */
  secret: string;
  /** What a new workspace pool receives once (TEAM_STARTER_CREDITS). */
  teamStarterCredits?: number;
}

const SEAL_PURPOSE = 'slack-installation';

/**
 * Org-wide installs are found by enterprise, everything else by workspace (team ids are unique
 * across Enterprise Grid, so a workspace inside an org needs no enterprise part).
 */
export function installationKey(query: SlackInstallationQuery): string {
  if (query.isEnterpriseInstall) {
    if (!query.enterpriseId) throw AppError.invalidInput('An org-wide installation needs its enterprise id');
    return `E:${query.enterpriseId}`;
  }
  if (!query.teamId) throw AppError.invalidInput('A workspace installation needs its team id');
  return `T:${query.teamId}`;
}

/**
 * Stores (or replaces, on re-install) an installation, sealed. A workspace install also makes sure
 * the workspace is a space with its team pool, so the pool exists before the first command; a
 * re-install after an uninstall finds the same space and ledger.
 */
export async function saveSlackInstallation(deps: Deps, installation: SlackInstallation): Promise<void> {
  const query = {
    isEnterpriseInstall: installation.isEnterpriseInstall === true,
    ...(installation.team?.id ? { teamId: installation.team.id } : {}),
    ...(installation.enterprise?.id ? { enterpriseId: installation.enterprise.id } : {}),
  };
  const key = installationKey(query);
  const team = query.isEnterpriseInstall ? null : installation.team;
  if (team) {
    await ensureSpace(
      deps.db,
      { platform: 'slack', platformSpaceId: team.id, kind: 'workspace', name: team.name?.trim() || team.id },
      deps.teamStarterCredits ?? 0,
    );
  }
  await deps.db.transaction().execute(async (tx) => {
    await repo.upsertInstallation(tx, {
      installation_key: key,
      team_id: installation.team?.id ?? null,
      enterprise_id: installation.enterprise?.id ?? null,
      is_enterprise_install: query.isEnterpriseInstall,
      team_name: installation.team?.name ?? installation.enterprise?.name ?? null,
      app_id: installation.appId ?? null,
      bot_user_id: installation.bot?.userId ?? null,
      installed_by: installation.user.id,
      sealed_installation: seal(deps.secret, SEAL_PURPOSE, key, JSON.stringify(installation)),
    });
    await recordAudit(tx, {
      actorUserId: null,
      action: 'slack.installed',
      targetType: 'slack_installation',
      targetId: key,
      data: { installedBy: installation.user.id, teamName: installation.team?.name ?? null },
    });
  });
}

/** The stored installation; NOT_FOUND when there is none, it was removed, or it cannot be opened. */
export async function findSlackInstallation(
  deps: Deps,
  query: SlackInstallationQuery,
): Promise<SlackInstallation> {
  const key = installationKey(query);
  const row = await repo.findInstallation(deps.db, key);
  const opened = row?.sealed_installation
    ? unseal(deps.secret, SEAL_PURPOSE, key, row.sealed_installation)
    : null;
  // A record sealed under an earlier core secret cannot be opened: the workspace has to install again.
  if (!opened) throw AppError.notFound('Slack installation');
  return JSON.parse(opened) as SlackInstallation;
}

/**
 * Removes an installation's tokens (app uninstalled, tokens revoked). The workspace's space, pool and
 * ledger stay. Returns false when there was nothing to remove (Slack sends both events on uninstall).
 */
export async function removeSlackInstallation(deps: Deps, query: SlackInstallationQuery): Promise<boolean> {
  const key = installationKey(query);
  return deps.db.transaction().execute(async (tx) => {
    const cleared = await repo.clearInstallation(tx, key);
    if (!cleared) return false;
    await recordAudit(tx, {
      actorUserId: null,
      action: 'slack.uninstalled',
      targetType: 'slack_installation',
      targetId: key,
    });
    return true;
  });
}
