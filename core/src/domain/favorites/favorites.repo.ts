import type { DbOrTx } from '../../db/database';

// Queries only.

export async function listFavoriteIds(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('favorites')
    .select('model_id')
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => r.model_id);
}

export async function isFavorite(db: DbOrTx, userId: string, modelId: string): Promise<boolean> {
  const row = await db
    .selectFrom('favorites')
    .select('model_id')
    .where('user_id', '=', userId)
    .where('model_id', '=', modelId)
    .executeTakeFirst();
  return row !== undefined;
}

export function insertFavorite(db: DbOrTx, userId: string, modelId: string) {
  return db
    .insertInto('favorites')
    .values({ user_id: userId, model_id: modelId })
    .onConflict((oc) => oc.columns(['user_id', 'model_id']).doNothing())
    .execute();
}

export function deleteFavorite(db: DbOrTx, userId: string, modelId: string) {
  return db.deleteFrom('favorites').where('user_id', '=', userId).where('model_id', '=', modelId).execute();
}
