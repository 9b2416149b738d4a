import type { DbOrTx } from '../../db/database';
import type { SlackInstallationsTable } from '../../db/types';

// Queries only.

type InstallationValues = Omit<SlackInstallationsTable, 'id' | 'installed_at' | 'uninstalled_at'>;

/** Inserts or replaces the installation under its key (a re-install replaces the sealed record). */
export function upsertInstallation(db: DbOrTx, values: InstallationValues & { sealed_installation: string }) {
  const now = new Date();
  return db
    .insertInto('slack_installations')
    .values({ ...values, installed_at: now })
    .onConflict((oc) =>
      oc.column('installation_key').doUpdateSet({ ...values, installed_at: now, uninstalled_at: null }),
    )
    .returning(['id'])
    .executeTakeFirstOrThrow();
}

export function findInstallation(db: DbOrTx, installationKey: string) {
  return db
    .selectFrom('slack_installations')
    .selectAll()
    .where('installation_key', '=', installationKey)
    .executeTakeFirst();
}

/** Drops the sealed record (tokens) and marks the installation removed; the row stays as history. */
export function clearInstallation(db: DbOrTx, installationKey: string) {
  return db
    .updateTable('slack_installations')
    .set({ sealed_installation: null, uninstalled_at: new Date() })
    .where('installation_key', '=', installationKey)
    .where('uninstalled_at', 'is', null)
    .returning(['id', 'team_id', 'enterprise_id'])
    .executeTakeFirst();
}
