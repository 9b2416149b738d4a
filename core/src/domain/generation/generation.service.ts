import { randomInt, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { Db, DbOrTx } from '../../db/database';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../db/database';
import type { GenerationOrigin, GenerationRow } from '../../db/types';
import { AppError } from '../../errors';
import { publishEvent } from '../../events/event-bus';
import type { JobQueue } from '../../jobs/job-queue';
import type { GenerationProvider } from '../../providers/provider';
import type { ObjectStore } from '../../storage';
import { resolvePayer, type Space, type User } from '../accounts/accounts.service';
import { getUsableModel, type Model, quotePrice, validateModelInput } from '../catalog/catalog.service';
import { holdCredits } from '../credits/credits.service';
import * as repo from './generation.repo';
import { type GenerationView, toGenerationViews } from './generation-view';
import { resolveFileInput, resolveLoras } from './inputs';

/** What the generation domain needs from the app. */
export interface GenerationDeps {
  db: Db;
  storage: ObjectStore;
  jobs: JobQueue;
  provider: Pick<GenerationProvider, 'name'>;
  config: Pick<Config, 'promptBlocklist'>;
}

export const RATE_LIMIT_PER_MINUTE = 10;
export const MAX_ACTIVE_PER_USER = 4;

export interface CreateRequest {
  model?: string;
  input: Record<string, unknown>;
  loras?: { id: string; scale: number }[];
  origin?: GenerationOrigin;
  /** The bot's key for the command (e.g. `telegram:update:123`): a repeat returns the first generation. */
  requestKey?: string;
}

export interface Actor {
  user: User;
  space: Space | null;
}

/**
 * Accepts a generation: validates the input against the model's schema, checks the prompt block list,
 * the user's rate and concurrency limits and the payer's policy, holds the price and enqueues the
 * submit job, all in one transaction. Nothing is held when anything is refused.
 */
export async function createGeneration(
  deps: GenerationDeps,
  actor: Actor,
  request: CreateRequest,
  rerolledFrom: string | null = null,
): Promise<{ generation: GenerationView; price: number }> {
  const { db } = deps;
  if (request.requestKey) {
    const existing = await repo.findByRequestKey(db, request.requestKey);
    if (existing) return { generation: await viewOf(deps, existing), price: existing.price };
  }
  const model = await getUsableModel(db, request.model ?? actor.user.settings.defaultModel);
  const input = validateModelInput(model, request.input);
  checkBlocklist(deps.config.promptBlocklist, model, input);
  for (const field of model.fileInputs) {
    const ref = input[field];
    const spec = model.fields.find((f) => f.name === field);
    if (typeof ref === 'string' && spec?.type === 'file')
      await resolveFileInput(db, actor.user.id, ref, spec.fileKind, field);
  }
  const loras = await resolveLoras(db, actor, model, request.loras ?? []);
  const price = quotePrice(model, input);
  const id = randomUUID();

  try {
    const row = await db.transaction().execute(async (tx) => {
      await repo.lockUser(tx, actor.user.id);
      const { recent, active } = await repo.countRecentAndActive(
        tx,
        actor.user.id,
        new Date(Date.now() - 60_000),
      );
      if (active >= MAX_ACTIVE_PER_USER) {
        throw new AppError(
          'RATE_LIMITED',
          `You already have ${active} generations running; wait for one to finish`,
          {
            retryAfterSeconds: 10,
          },
        );
      }
      if (recent >= RATE_LIMIT_PER_MINUTE) {
        throw new AppError(
          'RATE_LIMITED',
          `That is ${RATE_LIMIT_PER_MINUTE} generations this minute; try again shortly`,
          {
            retryAfterSeconds: 60,
          },
        );
      }
      const accountId = await resolvePayer(tx, actor.user.id, actor.space);
      const hold = await holdCredits(tx, {
        accountId,
        userId: actor.user.id,
        amount: price,
        reference: `generation:${id}`,
        idempotencyKey: `generation:${id}`,
        modelId: model.id,
      });
      const generation = await repo.insertGeneration(tx, {
        id,
        user_id: actor.user.id,
        space_id: actor.space?.id ?? null,
        account_id: accountId,
        hold_id: hold.id,
        model_id: model.id,
        category: model.category,
        input: loras.length > 0 ? { ...input, loras } : input,
        prompt: typeof input.prompt === 'string' ? input.prompt : firstText(model, input),
        price,
        provider: deps.provider.name,
        rerolled_from: rerolledFrom,
        request_key: request.requestKey ?? null,
        origin: request.origin ?? {},
      });
      await deps.jobs.send('generation-submit', { generationId: id }, { db: tx, singletonKey: id });
      await publishEvent(tx, { type: 'generation', generationId: id, userId: actor.user.id });
      return generation;
    });
    return { generation: await viewOf(deps, row), price };
  } catch (error) {
    // The same command delivered twice at once: the other copy won the request key.
    if (request.requestKey && pgErrorCode(error) === UNIQUE_VIOLATION) {
      const existing = await repo.findByRequestKey(db, request.requestKey);
      if (existing) return { generation: await viewOf(deps, existing), price: existing.price };
    }
    throw error;
  }
}

/** Says what a request would cost and whether it is valid, holding nothing. */
export async function quoteGeneration(deps: GenerationDeps, actor: Actor, request: CreateRequest) {
  const model = await getUsableModel(deps.db, request.model ?? actor.user.settings.defaultModel);
  const input = validateModelInput(model, request.input);
  checkBlocklist(deps.config.promptBlocklist, model, input);
  return { modelId: model.id, modelName: model.name, price: quotePrice(model, input) };
}

function firstText(model: Model, input: Record<string, unknown>): string | null {
  const field = model.fields.find((f) => f.type === 'text' && typeof input[f.name] === 'string');
  return field ? String(input[field.name]) : null;
}

function checkBlocklist(blocklist: readonly string[], model: Model, input: Record<string, unknown>): void {
  if (blocklist.length === 0) return;
  const texts = model.fields
    .filter((f) => f.type === 'text')
    .map((f) => input[f.name])
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.toLowerCase());
  const hit = blocklist.find((word) =>
    texts.some((t) => new RegExp(`(^|\\W)${escapeRegExp(word)}($|\\W)`, 'u').test(t)),
  );
  if (hit) {
    throw new AppError(
      'PROMPT_BLOCKED',
      'Your prompt contains a word or phrase this service does not allow',
      {
        fieldErrors: { prompt: ['contains a blocked word or phrase'] },
      },
    );
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The owner's view of a generation; NOT_FOUND for anyone else. */
export async function getGeneration(
  deps: Pick<GenerationDeps, 'db' | 'storage'>,
  userId: string,
  id: string,
) {
  const row = await ownedGeneration(deps.db, userId, id);
  return viewOf(deps, row);
}

export async function ownedGeneration(db: DbOrTx, userId: string, id: string): Promise<GenerationRow> {
  const row = await repo.findGeneration(db, id);
  if (!row || row.user_id !== userId || row.deleted_at) throw AppError.notFound('Generation');
  return row;
}

async function viewOf(
  deps: Pick<GenerationDeps, 'db' | 'storage'>,
  row: GenerationRow,
): Promise<GenerationView> {
  const [view] = await toGenerationViews(deps.db, deps.storage, [row]);
  return view!;
}

/** Runs the same input again with a new seed (where the model takes one); charged like a new request. */
export async function rerollGeneration(deps: GenerationDeps, actor: Actor, id: string, requestKey?: string) {
  const original = await ownedGeneration(deps.db, actor.user.id, id);
  const { loras, ...input } = original.input as Record<string, unknown> & {
    loras?: { id: string; scale: number }[];
  };
  const model = await getUsableModel(deps.db, original.model_id);
  if (model.fields.some((f) => f.name === 'seed')) input.seed = randomInt(0, 2 ** 31 - 1);
  return createGeneration(
    deps,
    actor,
    { model: original.model_id, input, loras, origin: original.origin, requestKey },
    original.id,
  );
}
