import type { DbOrTx } from '../../db/database';
import { getModel, listModels, type Model } from '../catalog/catalog.service';
import * as repo from './favorites.repo';

/** Marks a model (by id or alias) as a favorite; idempotent. Returns the model. */
export async function addFavorite(db: DbOrTx, userId: string, idOrAlias: string): Promise<Model> {
  const model = await getModel(db, idOrAlias);
  await repo.insertFavorite(db, userId, model.id);
  return { ...model, favorite: true };
}

/** Removes a favorite; idempotent. */
export async function removeFavorite(db: DbOrTx, userId: string, idOrAlias: string): Promise<Model> {
  const model = await getModel(db, idOrAlias);
  await repo.deleteFavorite(db, userId, model.id);
  return { ...model, favorite: false };
}

/** Adds the favorite when absent, removes it when present (the result button's behaviour). */
export async function toggleFavorite(db: DbOrTx, userId: string, idOrAlias: string): Promise<Model> {
  const model = await getModel(db, idOrAlias, userId);
  return model.favorite ? removeFavorite(db, userId, model.id) : addFavorite(db, userId, model.id);
}

/** The user's favorite models that are still enabled. */
export async function listFavorites(db: DbOrTx, userId: string): Promise<Model[]> {
  return (await listModels(db, { userId })).filter((m) => m.favorite);
}
