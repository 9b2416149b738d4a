import { randomInt, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { Db, DbOrTx, Tx } from '../../db/database';
import { pgErrorCode, UNIQUE_VIOLATION } from '../../db/database';
import type { GenerationOrigin, GenerationRow } from '../../db/types';
import { AppError } from '../../errors';
import { publishEvent } from '../../events/event-bus';
import type { GenerationProvider } from '../../providers/provider';
import type { ObjectStore } from '../../storage';
import { type PayerChoice, resolvePayer, type Space, type User } from '../accounts/accounts.service';
import { FOLLOW_UP_MODELS, type FollowUpKind } from '../catalog/catalog.data';
import {
  defaultModelRef,
  getUsableModel,
  type Model,
  quotePrice,
  validateModelInput,
} from '../catalog/catalog.service';
import { mainTextField } from '../catalog/model-request';
import { AccountBatcher, payerQueueKey } from '../credits/account-batcher';
import { holdCredits } from '../credits/credits.service';
import { activeBlockedTerms } from '../moderation/prompt-blocklist.service';
import * as repo from './generation.repo';
import { type GenerationView, toGenerationViews } from './generation-view';
import { resolveFileInput, resolveLoras } from './inputs';
import { findByRequestKey, type RequestKey } from './request-keys';

/**
 * Where accepted work goes once its transaction has committed. The generation row in status `queued`
 * is the durable record either way: a sweeper submits whatever a crashed process left behind.
 */
export interface Dispatch {
  /** This process runs the pipeline and submits accepted work itself, right after the commit. */
  readonly inProcess: boolean;
  /** Called after the accepting transaction committed (a no-op where a worker is told over NOTIFY). */
  submit(generationId: string): void;
  /** The generation ended in this process (its webhook finalized it): stop polling it. */
  ended?(generationId: string): void;
}

/** Accepted work is announced over NOTIFY; a worker process submits it. */
export const DISPATCH_TO_WORKERS: Dispatch = { inProcess: false, submit: () => {} };

/** What the generation domain needs from the app. */
export interface GenerationDeps {
  db: Db;
  storage: ObjectStore;
  dispatch: Dispatch;
  provider: Pick<GenerationProvider, 'name'>;
  config: Pick<Config, 'promptBlocklist'>;
}

export const RATE_LIMIT_PER_MINUTE = 10;
export const MAX_ACTIVE_PER_USER = 4;

export interface CreateRequest {
  model?: string;
  input: Record<string, unknown>;
  /** A plain prompt, put into the model's main text field when `input` does not fill that field itself. */
  prompt?: string;
  loras?: { id: string; scale: number }[];
  origin?: GenerationOrigin;
  /** The caller's key for the command: a repeat by the same caller returns its first generation. */
  requestKey?: RequestKey;
}

export interface Actor {
  user: User;
  space: Space | null;
  /** The bot's word that the user administers `space` (team pools limited to admins). */
  spaceAdmin?: boolean;
  /** Who the user chose to pay (the web studio offers it); the space's usual payer otherwise. */
  payWith?: PayerChoice;
}

/**
 * Accepts a generation: validates the input against the model's schema, checks the prompt block list
 * and file inputs, then hands it to `acceptGeneration`.
 */
export async function createGeneration(
  deps: GenerationDeps,
  actor: Actor,
  request: CreateRequest,
  rerolledFrom: string | null = null,
): Promise<{ generation: GenerationView; price: number }> {
  const replay = request.requestKey ? await replayOf(deps, actor, request.requestKey) : null;
  if (replay) return replay;
  const model = await getUsableModel(deps.db, request.model ?? defaultModelRef(actor.user.settings));
  const input = validateModelInput(model, withPrompt(model, request));
  checkBlocklist(await activeBlockedTerms(deps.db, deps.config), model, input);
  for (const field of model.fields) {
    const ref = input[field.name];
    if (field.type === 'file' && typeof ref === 'string') {
      await resolveFileInput(deps.db, actor.user.id, ref, field.fileKind, field.name);
    }
  }
  const loras = await resolveLoras(deps.db, actor, model, request.loras ?? []);
  return acceptGeneration(deps, actor, {
    modelId: model.id,
    category: model.category,
    input: loras.length > 0 ? { ...input, loras } : input,
    prompt: typeof input.prompt === 'string' ? input.prompt : firstText(model, input),
    price: quotePrice(model, input),
    origin: request.origin ?? {},
    requestKey: request.requestKey ?? null,
    rerolledFrom,
  });
}

/** The caller's own earlier result for this request key, or null when the key is new to them. */
export async function replayOf(
  deps: Pick<GenerationDeps, 'db' | 'storage'>,
  actor: Actor,
  requestKey: RequestKey,
): Promise<{ generation: GenerationView; price: number } | null> {
  const existing = await findByRequestKey(deps.db, actor.user.id, requestKey);
  return existing ? { generation: await viewOf(deps, existing), price: existing.price } : null;
}

export interface Acceptance {
  modelId: string;
  category: GenerationRow['category'];
  /** Already validated. */
  input: Record<string, unknown>;
  prompt: string | null;
  price: number;
  origin: GenerationOrigin;
  requestKey: RequestKey | null;
  rerolledFrom: string | null;
  /** Runs inside the accepting transaction after the generation row exists (LoRA rows, for example). */
  alsoInTransaction?: (tx: Tx, generationId: string) => Promise<void>;
}

/**
 * The one way work is accepted: in one transaction, checks the user's rate and concurrency limits
 * and the payer's policy, holds the price and inserts the generation; after the commit the work is
 * dispatched to the provider. Nothing is held when anything is refused.
 */
export async function acceptGeneration(
  deps: GenerationDeps,
  actor: Actor,
  work: Acceptance,
): Promise<{ generation: GenerationView; price: number }> {
  const { db } = deps;
  const id = randomUUID();
  try {
    // Under group commit: a busy pool's acceptances share one transaction (see AccountBatcher).
    const queue = payerQueueKey(actor.space?.id ?? null, actor.user.id);
    const row = await AccountBatcher.for(db).run(queue, actor.user.id, async (tx) => {
      const accountId = await checkLimitsAndPayer(tx, actor);
      const holdId = randomUUID();
      const generation = await repo.insertGeneration(tx, {
        id,
        user_id: actor.user.id,
        space_id: actor.space?.id ?? null,
        account_id: accountId,
        hold_id: holdId, // the hold is written last; the foreign key is checked at commit
        model_id: work.modelId,
        category: work.category,
        input: work.input,
        prompt: work.prompt,
        price: work.price,
        provider: deps.provider.name,
        rerolled_from: work.rerolledFrom,
        request_key: work.requestKey?.key ?? null,
        request_scope: work.requestKey?.scope ?? null,
        origin: work.origin,
      });
      await work.alsoInTransaction?.(tx, id);
      await publishEvent(tx, { type: 'generation', generationId: id, userId: actor.user.id });
      if (!deps.dispatch.inProcess) await publishEvent(tx, { type: 'submit', generationId: id });
      // Last, so a busy team pool's balance row is locked only from here to the commit.
      await holdCredits(tx, {
        holdId,
        accountId,
        userId: actor.user.id,
        amount: work.price,
        reference: `generation:${id}`,
        idempotencyKey: `generation:${id}`,
        modelId: work.modelId,
        spaceAdmin: actor.spaceAdmin ?? false,
      });
      return generation;
    });
    deps.dispatch.submit(id);
    return { generation: await viewOf(deps, row), price: work.price };
  } catch (error) {
    // The same command delivered twice at once: the other copy won the request key.
    const replay =
      work.requestKey && pgErrorCode(error) === UNIQUE_VIOLATION
        ? await replayOf(deps, actor, work.requestKey)
        : null;
    if (replay) return replay;
    throw error;
  }
}

/** The user's rate and concurrency limits (refused with RATE_LIMITED), then who pays. */
async function checkLimitsAndPayer(tx: Tx, actor: Actor): Promise<string> {
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
  return resolvePayer(tx, actor.user.id, actor.space, actor.spaceAdmin, actor.payWith);
}

class DryRun extends Error {}

/**
 * Would `acceptGeneration` take this work now? Runs the same limit, policy and credit checks (a hold
 * included) in a transaction that is rolled back, so costly preparation (a LoRA's zip) is done only
 * for work that will be accepted. The real acceptance checks everything again.
 */
export async function assertAcceptable(
  deps: Pick<GenerationDeps, 'db'>,
  actor: Actor,
  work: { modelId: string; price: number },
): Promise<void> {
  try {
    await deps.db.transaction().execute(async (tx) => {
      const accountId = await checkLimitsAndPayer(tx, actor);
      const probe = randomUUID();
      await holdCredits(tx, {
        holdId: probe,
        accountId,
        userId: actor.user.id,
        amount: work.price,
        reference: `precheck:${probe}`,
        idempotencyKey: `precheck:${probe}`,
        modelId: work.modelId,
      });
      throw new DryRun();
    });
  } catch (error) {
    if (error instanceof DryRun) return;
    throw error;
  }
}

/** Says what a request would cost and whether it is valid, holding nothing. */
export async function quoteGeneration(deps: GenerationDeps, actor: Actor, request: CreateRequest) {
  const model = await getUsableModel(deps.db, request.model ?? defaultModelRef(actor.user.settings));
  const input = validateModelInput(model, withPrompt(model, request));
  checkBlocklist(await activeBlockedTerms(deps.db, deps.config), model, input);
  return { modelId: model.id, modelName: model.name, price: quotePrice(model, input) };
}

function withPrompt(model: Model, request: CreateRequest): Record<string, unknown> {
  const prompt = request.prompt?.trim();
  if (!prompt) return request.input;
  const field = mainTextField(model);
  if (!field) {
    throw AppError.invalidInput(`${model.name} takes no text prompt; leave the words out`, {
      prompt: ['this model takes no prompt'],
    });
  }
  return field.name in request.input ? request.input : { ...request.input, [field.name]: prompt };
}

function firstText(model: Model, input: Record<string, unknown>): string | null {
  const field = model.fields.find((f) => f.type === 'text' && typeof input[f.name] === 'string');
  return field ? String(input[field.name]) : null;
}

/** PROMPT_BLOCKED when any text field contains a blocked word or phrase (checked before anything is held). */
export function checkBlocklist(
  blocklist: readonly string[],
  model: Model,
  input: Record<string, unknown>,
): void {
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
    throw new AppError('PROMPT_BLOCKED', `Your prompt contains "${hit}", which this service does not allow`, {
      term: hit,
      fieldErrors: { prompt: [`contains the blocked term "${hit}"`] },
    });
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
export async function rerollGeneration(
  deps: GenerationDeps,
  actor: Actor,
  id: string,
  opts: { requestKey?: RequestKey; origin?: GenerationOrigin } = {},
) {
  const original = await ownedGeneration(deps.db, actor.user.id, id);
  const { loras, ...input } = original.input as Record<string, unknown> & {
    loras?: { id: string; scale: number }[];
  };
  const model = await getUsableModel(deps.db, original.model_id);
  if (model.fields.some((f) => f.name === 'seed')) input.seed = randomInt(0, 2 ** 31 - 1);
  return createGeneration(
    deps,
    actor,
    {
      model: original.model_id,
      input,
      loras,
      origin: opts.origin ?? original.origin,
      requestKey: opts.requestKey,
    },
    original.id,
  );
}

/** How far Vary moves from the source image (FLUX image-to-image strength: 1 repaints freely). */
export const VARY_STRENGTH = 0.75;

/**
 * Runs a follow-up on one of the user's finished images, as a new (charged) generation: Animate and
 * Make 3D and Upscale take the image; Vary redraws it with the same prompt. CONFLICT, in words, when
 * the generation does not offer it (see GenerationView.followUps).
 */
export async function followUpGeneration(
  deps: GenerationDeps,
  actor: Actor,
  id: string,
  kind: FollowUpKind,
  opts: { requestKey?: RequestKey; origin?: GenerationOrigin } = {},
) {
  const row = await ownedGeneration(deps.db, actor.user.id, id);
  const view = await viewOf(deps, row);
  const offer = view.followUps[kind];
  if (!offer) {
    throw new AppError('CONFLICT', `This result offers no ${FOLLOW_UP_WORDS[kind]}`, { followUp: kind });
  }
  const input: Record<string, unknown> =
    kind === 'vary'
      ? { image_url: view.id, prompt: view.prompt, strength: VARY_STRENGTH }
      : { image_url: view.id };
  return createGeneration(deps, actor, {
    model: FOLLOW_UP_MODELS[kind],
    input,
    origin: opts.origin ?? row.origin,
    ...(opts.requestKey ? { requestKey: opts.requestKey } : {}),
  });
}

const FOLLOW_UP_WORDS: Record<FollowUpKind, string> = {
  animate: 'animation',
  make3d: '3D model',
  upscale: 'upscale',
  vary: 'variation',
};

/**
 * A generation id as typed: the full UUID, or the 6-8 characters shown in chat. NOT_FOUND when none
 * of the user's generations matches; INVALID_INPUT when several do (type more of it).
 */
export async function resolveGenerationRef(db: DbOrTx, userId: string, ref: string): Promise<string> {
  const value = ref.trim().toLowerCase().replace(/^#/, '');
  if (UUID.test(value)) return (await ownedGeneration(db, userId, value)).id;
  if (!/^[0-9a-f]{6,8}$/.test(value)) {
    throw AppError.invalidInput(`"${ref.trim()}" is not an id; ids look like 1a2b3c4d`, {
      ref: ['not an id'],
    });
  }
  const matches = await repo.findIdsByPrefix(db, userId, value, 2);
  if (matches.length === 0) {
    throw new AppError('NOT_FOUND', `None of your generations has the id ${value}`, {
      fieldErrors: { ref: ['no match'] },
    });
  }
  if (matches.length > 1) {
    throw AppError.invalidInput(`Several of your generations start with ${value}; type more of the id`, {
      ref: ['ambiguous'],
    });
  }
  return matches[0]!.id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
