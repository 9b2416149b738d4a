import type { Db, DbOrTx } from '../../db/database';
import { clearReadCaches, ReadCache } from '../../db/read-cache';
import { AppError, toFieldErrors } from '../../errors';
import { publishEvent } from '../../events/event-bus';
import { recordAudit } from '../audit/audit.service';
import * as favoritesRepo from '../favorites/favorites.repo';
import { DEFAULT_MODEL_ID, MODEL_CATALOG } from './catalog.data';
import * as repo from './catalog.repo';
import type { CatalogModel, ModelCategory } from './catalog.types';
import { buildInputSchema, priceFor, resolveModel } from './model-input';
import { mainTextField, mapRequest, missingInputs } from './model-request';

/** A catalog entry as it stands now: shipped definition plus admins' enable/price overrides. */
export interface Model extends CatalogModel {
  /** Per-unit credits after any admin re-price (the rule's `credits`). */
  unitCredits: number;
  /** What the default input costs, for lists. */
  basePrice: number;
  /**
   * What a request giving only a prompt costs (what a chat's plain "/generate a red fox" asks for),
   * so a bot can name the price before core has planned the request; null when such a request cannot
   * run on this model (it takes no text, or needs more than that) or its price depends on the words.
   */
  promptPrice: number | null;
  /** The model a request runs on when neither it nor the user's settings name one. */
  isDefault: boolean;
  favorite: boolean;
}

const schemas = new Map(MODEL_CATALOG.map((m) => [m.id, buildInputSchema(m)]));

/**
 * Every model as it stands now (shipped definition plus admins' overrides, prices worked out), read
 * and computed once and kept until an admin changes one (see ReadCache). Shared: never mutated.
 */
const catalogNow = new ReadCache(async (db): Promise<ReadonlyMap<string, Model>> => {
  const settings = new Map((await repo.listModelSettings(db)).map((s) => [s.model_id, s]));
  return new Map(MODEL_CATALOG.map((m) => [m.id, Object.freeze(effective(m, settings.get(m.id), false))]));
});

const withFavorite = (model: Model, favorite: boolean): Model => (favorite ? { ...model, favorite } : model);

function effective(
  model: CatalogModel,
  override: { enabled: boolean | null; price_credits: number | null } | undefined,
  favorite: boolean,
): Model {
  const unitCredits = override?.price_credits ?? model.price.credits;
  return {
    ...model,
    enabled: override?.enabled ?? model.enabled,
    unitCredits,
    basePrice: basePrice(model, unitCredits),
    promptPrice: promptPrice(model, unitCredits),
    isDefault: model.id === DEFAULT_MODEL_ID,
    favorite,
  };
}

const SAMPLE_ASSET_ID = '00000000-0000-4000-8000-000000000000';

/** The price of the smallest sensible request: defaults, one-character texts, any required files. */
function basePrice(model: CatalogModel, unitCredits: number): number {
  const sample: Record<string, unknown> = {};
  for (const field of model.fields) {
    if (field.type === 'text' && (field.required || field.name === 'prompt'))
      sample[field.name] = 'x'.repeat(field.minLength ?? 1);
    if (field.type === 'file' && (field.required || model.requireOneOf?.[0] === field.name))
      sample[field.name] = SAMPLE_ASSET_ID;
  }
  const parsed = schemas.get(model.id)?.safeParse(sample);
  return priceFor(model, parsed?.success ? parsed.data : sample, unitCredits);
}

/** See `Model.promptPrice`: priced as `planGeneration` prices a request with nothing but a prompt. */
function promptPrice(model: CatalogModel, unitCredits: number): number | null {
  const text = mainTextField(model);
  if (!text || model.price.kind === 'per_1k_chars') return null;
  if (missingInputs(model, new Set([text.name])).length > 0) return null;
  const parsed = schemas.get(model.id)?.safeParse(mapRequest(model, 'x'.repeat(text.minLength ?? 1)));
  return parsed?.success ? priceFor(model, parsed.data, unitCredits) : null;
}

/**
 * Models for a chat list: enabled only (all for admins), optionally one category, the user's
 * favorites first, then the catalog's own order.
 */
export async function listModels(
  db: DbOrTx,
  opts: { userId?: string; category?: ModelCategory; includeDisabled?: boolean } = {},
): Promise<Model[]> {
  const [catalog, favorites] = await Promise.all([
    catalogNow.get(db),
    opts.userId ? favoritesRepo.listFavoriteIds(db, opts.userId) : Promise.resolve([] as string[]),
  ]);
  const favoriteSet = new Set(favorites);
  const models = MODEL_CATALOG.filter((m) => !opts.category || m.category === opts.category)
    .map((m) => withFavorite(catalog.get(m.id)!, favoriteSet.has(m.id)))
    .filter((m) => opts.includeDisabled || m.enabled);
  return [...models.filter((m) => m.favorite), ...models.filter((m) => !m.favorite)];
}

/** One model by id or alias (case-insensitive); NOT_FOUND for unknown names. */
export async function getModel(db: DbOrTx, idOrAlias: string, userId?: string): Promise<Model> {
  const model = resolveModel(MODEL_CATALOG, idOrAlias);
  if (!model) {
    throw AppError.invalidInput(`There is no model called "${idOrAlias}". Try /models to see them.`, {
      model: [`unknown model "${idOrAlias}"`],
    });
  }
  const [catalog, favorite] = await Promise.all([
    catalogNow.get(db),
    userId ? favoritesRepo.isFavorite(db, userId, model.id) : Promise.resolve(false),
  ]);
  return withFavorite(catalog.get(model.id)!, favorite);
}

/** The model a request without one uses: the user's saved choice, else the catalog default. */
export function defaultModelRef(settings: { defaultModel?: string | undefined }): string {
  return settings.defaultModel ?? DEFAULT_MODEL_ID;
}

/** The user's default model as a catalog entry; a saved name the catalog no longer has falls back to the default. */
export async function defaultModelFor(
  db: DbOrTx,
  settings: { defaultModel?: string | undefined },
): Promise<Model> {
  return getModel(db, defaultModelRef(settings)).catch(() => getModel(db, DEFAULT_MODEL_ID));
}

/** A model that can be used right now: MODEL_DISABLED when an admin switched it off. */
export async function getUsableModel(db: DbOrTx, idOrAlias: string | undefined): Promise<Model> {
  const model = await getModel(db, idOrAlias ?? DEFAULT_MODEL_ID);
  if (!model.enabled) throw new AppError('MODEL_DISABLED', `${model.name} is switched off at the moment`);
  return model;
}

/**
 * Validates a user's input against the model's schema; returns it with defaults filled in.
 * INVALID_INPUT carries one message list per field.
 */
export function validateModelInput(
  model: CatalogModel,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const schema = schemas.get(model.id) ?? buildInputSchema(model);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.invalidInput(`Some options are not right for ${model.name}`, toFieldErrors(result.error));
}

/** Credits the validated input costs on this model. */
export function quotePrice(model: Model, input: Record<string, unknown>): number {
  return priceFor(model, input, model.unitCredits);
}

/** Enables, disables or re-prices a model; audited with the admin's reason. */
export async function updateModelSettings(
  db: Db,
  input: {
    modelId: string;
    enabled?: boolean;
    priceCredits?: number | null;
    actorUserId: string;
    reason: string;
  },
): Promise<Model> {
  const model = await getModel(db, input.modelId);
  await db.transaction().execute(async (tx) => {
    await repo.upsertModelSettings(tx, {
      model_id: model.id,
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.priceCredits !== undefined ? { price_credits: input.priceCredits } : {}),
      updated_by: input.actorUserId,
    });
    await publishEvent(tx, { type: 'settings' });
    await recordAudit(tx, {
      actorUserId: input.actorUserId,
      action: 'model.update',
      targetType: 'model',
      targetId: model.id,
      reason: input.reason,
      data: {
        enabled: input.enabled,
        priceCredits: input.priceCredits,
        before: { enabled: model.enabled, unitCredits: model.unitCredits },
      },
    });
  });
  clearReadCaches(db);
  return getModel(db, model.id);
}
