import type { DbOrTx } from '../../db/database';

// Queries only: admins' enable/disable and re-price decisions, layered over the shipped catalog.

export function listModelSettings(db: DbOrTx) {
  return db.selectFrom('model_settings').selectAll().execute();
}

export function upsertModelSettings(
  db: DbOrTx,
  row: { model_id: string; enabled?: boolean | null; price_credits?: number | null; updated_by: string },
) {
  const { model_id, ...changes } = row;
  return db
    .insertInto('model_settings')
    .values({ ...row, updated_at: new Date() })
    .onConflict((oc) => oc.column('model_id').doUpdateSet({ ...changes, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow()
    .then((r) => ({ ...r, model_id }));
}
