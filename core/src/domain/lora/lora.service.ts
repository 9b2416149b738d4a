import type { GenerationOrigin, LoraRow } from '../../db/types';
import { AppError, toFieldErrors } from '../../errors';
import { LORA_TRAINING_MODEL } from '../catalog/catalog.data';
import { buildInputSchema, priceFor } from '../catalog/model-input';
import {
  type Actor,
  acceptGeneration,
  assertAcceptable,
  type GenerationDeps,
  replayOf,
} from '../generation/generation.service';
import type { GenerationView } from '../generation/generation-view';
import { loadFileInput, resolveFileInput } from '../generation/inputs';
import type { RequestKey } from '../generation/request-keys';
import * as repo from './lora.repo';
import { createZip } from './zip';

export const MIN_TRAINING_IMAGES = 4;
export const MAX_TRAINING_IMAGES = 40;

export interface LoraView {
  id: string;
  name: string;
  triggerWord: string;
  status: 'training' | 'ready' | 'failed';
  failureReason: string | null;
  createdAt: Date;
  owned: boolean;
  sharedWithSpace: boolean;
}

const toView = (row: LoraRow & { shared_here?: boolean | 0 | 1 }, userId: string): LoraView => ({
  id: row.id,
  name: row.name,
  triggerWord: row.trigger_word,
  status: row.status,
  failureReason: row.failure_reason,
  createdAt: row.created_at,
  owned: row.user_id === userId,
  sharedWithSpace: Boolean(row.shared_here),
});

// The images arrive as our own zip (attached at submit), so the schema checks only the options.
const trainingSchema = buildInputSchema({
  fields: LORA_TRAINING_MODEL.fields.filter((f) => f.type !== 'file'),
});

/**
 * Starts training a FLUX LoRA from the user's uploaded images: zips them into our storage and runs
 * the trainer through the generation pipeline, so it is held, charged and delivered like any job.
 */
export async function trainLora(
  deps: GenerationDeps,
  actor: Actor,
  request: {
    name: string;
    uploadIds: string[];
    triggerWord?: string;
    steps?: number;
    requestKey?: RequestKey;
    origin?: GenerationOrigin;
  },
): Promise<{ lora: LoraView; generation: GenerationView; price: number }> {
  const replay = request.requestKey ? await replayOf(deps, actor, request.requestKey) : null;
  const replayed = replay && (await repo.findLoraByTrainingGeneration(deps.db, replay.generation.id));
  if (replay && replayed) return { lora: toView(replayed, actor.user.id), ...replay };
  if (replay) {
    throw new AppError('CONFLICT', 'This request key was already used for another command', {
      fieldErrors: { requestKey: ['already used for a generation'] },
    });
  }
  const name = request.name.trim();
  if (!/^[\p{L}\p{N} _-]{2,40}$/u.test(name)) {
    throw AppError.invalidInput('A LoRA name is 2-40 letters, digits, spaces, - or _', {
      name: ['invalid name'],
    });
  }
  const ids = [...new Set(request.uploadIds)];
  if (ids.length < MIN_TRAINING_IMAGES || ids.length > MAX_TRAINING_IMAGES) {
    throw AppError.invalidInput(
      `Training needs ${MIN_TRAINING_IMAGES} to ${MAX_TRAINING_IMAGES} different images`,
      {
        uploadIds: [`${ids.length} given`],
      },
    );
  }
  if (await repo.findLoraByName(deps.db, actor.user.id, name)) {
    throw new AppError('CONFLICT', `You already have a LoRA called "${name}"`, {
      fieldErrors: { name: ['taken'] },
    });
  }
  const triggerWord = (request.triggerWord ?? name.toLowerCase().replace(/[^a-z0-9]+/g, '_')).slice(0, 40);
  const parsed = trainingSchema.safeParse({
    trigger_word: triggerWord,
    ...(request.steps ? { steps: request.steps } : {}),
  });
  if (!parsed.success)
    throw AppError.invalidInput('Some training options are not right', toFieldErrors(parsed.error));

  // Every image must be the user's own ready upload before anything else happens.
  const inputs = await Promise.all(
    ids.map((id) => resolveFileInput(deps.db, actor.user.id, id, 'image', 'uploadIds')),
  );
  const price = priceFor(LORA_TRAINING_MODEL, parsed.data);
  // Money, policy and rate limits before the zip: a refused training must not leave files behind.
  await assertAcceptable(deps, actor, { modelId: LORA_TRAINING_MODEL.id, price });
  const files = await Promise.all(
    inputs.map(async (file, i) => ({
      name: `${String(i + 1).padStart(2, '0')}.${file.mime.split('/')[1] ?? 'png'}`,
      bytes: await loadFileInput(deps, actor.user.id, file, 'image'),
    })),
  );
  const zipKey = `training/${actor.user.id}/${crypto.randomUUID()}.zip`;
  await deps.storage.put(zipKey, createZip(files), 'application/zip');

  let lora: LoraRow | undefined;
  let accepted: Awaited<ReturnType<typeof acceptGeneration>>;
  try {
    accepted = await acceptGeneration(deps, actor, {
      modelId: LORA_TRAINING_MODEL.id,
      category: 'lora',
      input: { ...parsed.data, images_zip_key: zipKey },
      prompt: `LoRA training: ${name}`,
      price,
      origin: request.origin ?? {},
      requestKey: request.requestKey ?? null,
      rerolledFrom: null,
      alsoInTransaction: async (tx, generationId) => {
        lora = await repo.insertLora(tx, {
          user_id: actor.user.id,
          name,
          trigger_word: triggerWord,
          training_generation_id: generationId,
        });
      },
    });
  } catch (error) {
    // Refused after all (the checks raced with another request): nothing may point at the zip.
    await deps.storage.delete(zipKey);
    throw error;
  }
  // A replay of an earlier request returns that request's training, which has its own zip.
  if (!lora) await deps.storage.delete(zipKey);
  const row = lora ?? (await repo.findLoraByName(deps.db, actor.user.id, name));
  if (!row) throw new Error('LoRA row missing after training was accepted');
  return { lora: toView(row, actor.user.id), ...accepted };
}

/** Credits a training run costs (the trainer's flat price, or per step count if its rule says so). */
export function quoteLoraTraining(steps?: number): number {
  const parsed = trainingSchema.safeParse(steps ? { steps } : {});
  if (!parsed.success)
    throw AppError.invalidInput('Some training options are not right', toFieldErrors(parsed.error));
  return priceFor(LORA_TRAINING_MODEL, parsed.data);
}

/** The user's LoRAs and those shared with the current space. */
export async function listLoras(deps: Pick<GenerationDeps, 'db'>, actor: Actor): Promise<LoraView[]> {
  const rows = await repo.listVisibleLoras(deps.db, actor.user.id, actor.space?.id ?? null);
  return rows.map((r) => toView(r, actor.user.id));
}

/** A LoRA the user may pick by name (their own, or one shared with the space); NOT_FOUND in words. */
export async function findLoraByName(
  deps: Pick<GenerationDeps, 'db'>,
  actor: Actor,
  name: string,
): Promise<LoraView> {
  const row = await repo.findVisibleLoraByName(deps.db, name, actor.user.id, actor.space?.id ?? null);
  if (!row) {
    throw new AppError(
      'NOT_FOUND',
      `There is no LoRA called "${name.trim()}" among yours or those shared here`,
      {
        fieldErrors: { loras: [`unknown LoRA "${name.trim()}"`] },
      },
    );
  }
  return toView(row, actor.user.id);
}

/** A LoRA by name that can be used now: INVALID_INPUT, in words, while it trains or after it failed. */
export async function findUsableLora(
  deps: Pick<GenerationDeps, 'db'>,
  actor: Actor,
  name: string,
): Promise<LoraView> {
  const lora = await findLoraByName(deps, actor, name);
  if (lora.status === 'training') {
    throw AppError.invalidInput(`The LoRA "${lora.name}" is still training`, { loras: ['still training'] });
  }
  if (lora.status === 'failed') {
    throw AppError.invalidInput(`The LoRA "${lora.name}" is not usable: its training failed`, {
      loras: ['training failed'],
    });
  }
  return lora;
}

/** Deletes one of the user's LoRAs and its weights; shared copies stop working too. */
export async function deleteLora(
  deps: Pick<GenerationDeps, 'db' | 'storage'>,
  actor: Actor,
  id: string,
): Promise<void> {
  const row = await repo.findOwnLora(deps.db, actor.user.id, id);
  if (!row) throw AppError.notFound('LoRA');
  if (row.status === 'training')
    throw new AppError('CONFLICT', 'Wait until training finishes, then delete it');
  await repo.softDeleteLora(deps.db, id);
  if (row.weights_key) await deps.storage.delete(row.weights_key);
}

/** Shares (or stops sharing) one of the user's LoRAs with the space the command came from. */
export async function setLoraShared(
  deps: Pick<GenerationDeps, 'db'>,
  actor: Actor,
  id: string,
  shared: boolean,
): Promise<LoraView> {
  if (!actor.space)
    throw AppError.invalidInput('Share a LoRA from the group or server you want to share it with');
  const row = await repo.findOwnLora(deps.db, actor.user.id, id);
  if (!row) throw AppError.notFound('LoRA');
  if (shared) await repo.shareLora(deps.db, id, actor.space.id);
  else await repo.unshareLora(deps.db, id, actor.space.id);
  return { ...toView(row, actor.user.id), sharedWithSpace: shared };
}
