import type { Config } from '../../config';
import type { GenerationRow, OutputKind } from '../../db/types';
import { within } from '../../db/within';
import { AppError } from '../../errors';
import { type PublishedEvent, publishEvent, publishEvents } from '../../events/event-bus';
import type { Logger } from '../../logger';
import { extractOutputs, nsfwFlags } from '../../providers/outputs';
import {
  type GenerationProvider,
  ProviderRejectedError,
  type ProviderResult,
  type ProviderStatus,
  ProviderUnavailableError,
} from '../../providers/provider';
import { LORA_TRAINING_MODEL, MODEL_CATALOG } from '../catalog/catalog.data';
import { AccountBatcher, payerQueueKey } from '../credits/account-batcher';
import { captureHold, releaseHold } from '../credits/credits.service';
import * as loraRepo from '../lora/lora.repo';
import { readImageDimensions, sniffFile } from '../uploads/file-sniff';
import * as repo from './generation.repo';
import type { Actor, GenerationDeps } from './generation.service';
import { ownedGeneration } from './generation.service';
import { loadFileInput, resolveFileInput } from './inputs';
import { onTrainingFailed, onTrainingSucceeded, trainingInput } from './training-hooks';

/** What the worker side of the pipeline needs on top of the request side. */
export interface PipelineDeps extends GenerationDeps {
  provider: GenerationProvider;
  logger: Logger;
  config: Pick<Config, 'promptBlocklist' | 'publicUrl'>;
  /** Seconds between status polls (fallback to webhooks, and progress for the chat). */
  pollSeconds?: number;
  /**
   * Asks for the next status poll of a submitted generation after `seconds` (a timer in the process
   * that runs the pipeline; if that process dies, the sweeper of another one takes the work over).
   */
  schedulePoll(generationId: string, seconds: number): void;
}

/**
 * What the caller of finalize already knows: the row it just read, and the provider's result when a
 * signed webhook carried it (the signature covers the body, so there is no need to fetch it again).
 */
export interface FinalizeKnown {
  row?: GenerationRow;
  output?: unknown;
}

/** What finishing a generation needs: core's webhook route finalizes without running the pipeline. */
export type FinalizeDeps = Pick<PipelineDeps, 'db' | 'provider' | 'storage' | 'logger'>;

export const MAX_SUBMIT_ATTEMPTS = 5;
export const MAX_OUTPUT_BYTES = 200 * 1024 * 1024;

/** The catalog entry a generation runs on; null when it left the catalog while the work was queued. */
function endpointOf(row: GenerationRow) {
  if (row.category === 'lora') return LORA_TRAINING_MODEL;
  return MODEL_CATALOG.find((m) => m.id === row.model_id) ?? null;
}

/**
 * A model that is no longer in the catalog will not come back by retrying: the generation ends once,
 * its hold is released and the user is told why.
 */
async function failRetiredModel(
  deps: Pick<PipelineDeps, 'db' | 'logger'>,
  row: GenerationRow,
): Promise<void> {
  deps.logger.warn('generation names a model that is not in the catalog', {
    generationId: row.id,
    modelId: row.model_id,
  });
  await failGeneration(
    deps,
    row.id,
    `The model ${row.model_id} is no longer offered, so nothing was charged. Please pick another model.`,
  );
}

/** Longest a submit (with its input uploads to the provider) may take before its lease is let go. */
export const SUBMIT_TIMEOUT_MS = 60_000;

/** How long a worker holds a submit without renewing; a dead worker's generations are free after this. */
export const SUBMIT_LEASE_SECONDS = 10;

/**
 * Sends a queued generation to the provider (once: only a queued row, under a lease only one worker
 * holds). File inputs are copied to the provider's storage first. Transient provider errors are
 * thrown so the job queue retries with backoff; after MAX_SUBMIT_ATTEMPTS, or on a refusal, the
 * generation fails and the hold is released.
 */
export async function submitGeneration(deps: PipelineDeps, generationId: string): Promise<void> {
  const row = await repo.claimSubmit(deps.db, generationId, SUBMIT_LEASE_SECONDS);
  if (!row) return;
  const renew = setInterval(
    () => {
      repo.renewSubmitLease(deps.db, row.id, SUBMIT_LEASE_SECONDS).catch((error: unknown) => {
        deps.logger.warn('could not renew a submit lease', { generationId: row.id, error: String(error) });
      });
    },
    (SUBMIT_LEASE_SECONDS * 1000) / 3,
  );
  try {
    // A submit that hangs (a query on a lost connection never answered) stops renewing its lease, so
    // another process takes the generation over once the lease runs out.
    await within(submitClaimed(deps, row), SUBMIT_TIMEOUT_MS, 'a submit');
  } finally {
    clearInterval(renew);
  }
}

async function submitClaimed(deps: PipelineDeps, row: GenerationRow): Promise<void> {
  const model = endpointOf(row);
  if (!model) return failRetiredModel(deps, row);
  let requestId: string;
  let queuePosition: number | null | undefined;
  let sent = false;
  try {
    const input = await providerInput(deps, row, model);
    const webhookUrl = deps.config.publicUrl
      ? `${deps.config.publicUrl}/webhooks/fal?generation=${encodeURIComponent(row.id)}`
      : undefined;
    // From here on the provider may have the request even if we never hear back (we may die first).
    const resend = row.submit_started_at !== null;
    if (resend)
      deps.logger.warn('submitting again after a submit that may have arrived', { generationId: row.id });
    await repo.markSubmitIntent(deps.db, row.id, resend);
    sent = true;
    ({ requestId, queuePosition } = await deps.provider.submit({
      endpoint: model.endpoint,
      input,
      webhookUrl,
    }));
  } catch (error) {
    // A provider that answered with an error did not take the request; a timeout may have.
    const refused = !sent || (error instanceof ProviderUnavailableError && error.status !== null);
    await repo.releaseSubmitLease(deps.db, row.id, { refused }).catch(() => {});
    if (error instanceof ProviderUnavailableError) {
      const attempts =
        (await repo.countSubmitAttempt(deps.db, row.id))?.submit_attempts ?? MAX_SUBMIT_ATTEMPTS;
      if (attempts < MAX_SUBMIT_ATTEMPTS) throw error;
      await failGeneration(
        deps,
        row.id,
        'The model service is not answering right now, so nothing was charged. Please try again later.',
      );
      return;
    }
    if (error instanceof ProviderRejectedError) {
      await failGeneration(deps, row.id, `The model refused the request: ${error.message}`);
      return;
    }
    // Our own refusal (an input file changed or vanished after it was checked): said as it is.
    if (error instanceof AppError) {
      await failGeneration(deps, row.id, `${error.message}; nothing was charged`);
      return;
    }
    throw error;
  }
  const submitted = await repo.markSubmitted(deps.db, row.id, requestId, queuePosition ?? null);
  if (!submitted) return;
  deps.schedulePoll(row.id, pollDelay(deps));
}

async function providerInput(
  deps: PipelineDeps,
  row: GenerationRow,
  model: NonNullable<ReturnType<typeof endpointOf>>,
): Promise<Record<string, unknown>> {
  if (row.category === 'lora') return trainingInput(deps, row);
  const { loras, ...input } = row.input as Record<string, unknown> & {
    loras?: { id: string; scale: number }[];
  };
  for (const field of model.fields) {
    const ref = input[field.name];
    if (field.type !== 'file' || typeof ref !== 'string') continue;
    const file = await resolveFileInput(deps.db, row.user_id, ref, field.fileKind, field.name);
    input[field.name] = await deps.provider.uploadInput(
      await loadFileInput(deps, row.user_id, file, field.fileKind),
      file.mime,
      file.fileName,
    );
  }
  if (loras && loras.length > 0) {
    const rows = await loraRepo.listWeightKeys(
      deps.db,
      loras.map((l) => l.id),
    );
    input.loras = await Promise.all(
      loras.map(async (l) => {
        const key = rows.find((r) => r.id === l.id)?.weights_key;
        if (!key) throw new ProviderRejectedError('a LoRA it needs was deleted');
        const bytes = await deps.storage.get(key);
        return {
          path: await deps.provider.uploadInput(bytes, 'application/octet-stream', `${l.id}.safetensors`),
          scale: l.scale,
        };
      }),
    );
  }
  return input;
}

// Polls carry progress to the chat; with webhooks they are also the fallback, so they can be sparser.
const pollDelay = (deps: PipelineDeps) => deps.pollSeconds ?? (deps.config.publicUrl ? 3 : 1);

/**
 * Asks the provider how a submitted generation is doing: records queue position and progress for
 * the chat, finalizes on completion, fails on a provider failure, and otherwise polls again.
 */
export async function pollGeneration(deps: PipelineDeps, generationId: string): Promise<void> {
  const row = await repo.findGeneration(deps.db, generationId);
  if (!row || !repo.ACTIVE_STATUSES.includes(row.status) || !row.provider_request_id) return;
  const model = endpointOf(row);
  if (!model) return failRetiredModel(deps, row);
  const status: ProviderStatus = await deps.provider.status(model.endpoint, row.provider_request_id);
  if (status.state === 'completed') return finalizeGeneration(deps, row.id);
  if (status.state === 'failed') {
    if (status.retryable) throw new ProviderUnavailableError(status.reason);
    await failGeneration(deps, row.id, status.reason);
    return;
  }
  const log = status.logs.at(-1) ?? null;
  const next =
    status.state === 'queued'
      ? { status: 'submitted' as const, queuePosition: status.queuePosition, progress: null, log }
      : { status: 'processing' as const, queuePosition: null, progress: status.progress, log };
  const changed =
    next.status !== row.status ||
    next.queuePosition !== row.queue_position ||
    next.progress !== row.progress ||
    next.log !== row.last_log;
  if (changed || Date.now() - row.updated_at.getTime() > 30_000) {
    await repo.updateProgress(deps.db, row.id, next);
    if (changed)
      await publishEvent(deps.db, { type: 'generation', generationId: row.id, userId: row.user_id });
  }
  deps.schedulePoll(row.id, pollDelay(deps));
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
  'model/gltf-binary': 'glb',
};

type OutputRow = Parameters<typeof repo.insertOutputs>[1][number];

const OUTPUT_KIND: Record<string, OutputKind> = {
  images: 'image',
  video: 'video',
  audio: 'audio',
  model3d: 'model3d',
  text: 'text',
  lora: 'lora',
};

/**
 * The one idempotent ending for success, reached by webhook, poller or sweeper alike: copies the
 * outputs into our storage (deterministic keys, so racing finalizers write the same bytes), then in
 * one transaction flips the status (the exactly-once gate), records outputs, captures the hold and
 * writes the delivery row. Losers of the race write nothing.
 */
export async function finalizeGeneration(
  deps: FinalizeDeps,
  generationId: string,
  known: FinalizeKnown = {},
): Promise<void> {
  const row = known.row ?? (await repo.findGeneration(deps.db, generationId));
  if (!row || !repo.ACTIVE_STATUSES.includes(row.status) || !row.provider_request_id) return;
  const model = endpointOf(row);
  if (!model) return failRetiredModel(deps, row);
  const result: ProviderResult =
    known.output !== undefined
      ? { ok: true, output: known.output }
      : await deps.provider.result(model.endpoint, row.provider_request_id);
  if (!result.ok) {
    if (result.retryable) throw new ProviderUnavailableError(result.reason);
    await failGeneration(deps, row.id, result.reason);
    return;
  }
  let extracted: ReturnType<typeof extractOutputs>;
  try {
    extracted = extractOutputs(result.output, model.outputPath);
  } catch (error) {
    await failGeneration(
      deps,
      row.id,
      error instanceof Error ? error.message : 'The model returned no output',
    );
    return;
  }
  const flags = nsfwFlags(result.output);
  const kind = OUTPUT_KIND[model.output] ?? 'image';
  let downloads: { bytes: Buffer; contentType: string | null }[];
  try {
    downloads = await Promise.all(
      extracted.files.map((file) => deps.provider.downloadOutput(file.url, MAX_OUTPUT_BYTES)),
    );
  } catch (error) {
    // A refused output (not on the provider's file hosts, a private address, a redirect, too big)
    // will not get better by retrying: the generation ends and the user is told.
    if (!(error instanceof ProviderRejectedError)) throw error;
    deps.logger.warn('model output refused', { generationId: row.id, reason: error.message });
    await failGeneration(deps, row.id, `We could not fetch the result: ${error.message}`);
    return;
  }
  const outputs: OutputRow[] = await Promise.all(
    extracted.files.map(async (file, position): Promise<OutputRow> => {
      const { bytes, contentType } = downloads[position]!;
      const mime =
        sniffFile(bytes.subarray(0, 64))?.mime ??
        file.contentType ??
        contentType ??
        'application/octet-stream';
      const extension = EXTENSIONS[mime] ?? (kind === 'lora' ? 'safetensors' : 'bin');
      const key = `outputs/${row.id}/${position}.${extension}`;
      await deps.storage.put(key, bytes, mime);
      const dims = kind === 'image' ? readImageDimensions(bytes) : null;
      return {
        generation_id: row.id,
        position,
        kind,
        storage_key: key,
        media_type: mime,
        size: bytes.length,
        width: dims?.width ?? file.width ?? null,
        height: dims?.height ?? file.height ?? null,
        duration_ms: null,
        nsfw: flags[position] ?? false,
        text_content: null,
      };
    }),
  );
  if (extracted.text !== null) {
    outputs.push({
      generation_id: row.id,
      position: outputs.length,
      kind: 'text',
      storage_key: null,
      media_type: 'text/plain',
      size: Buffer.byteLength(extracted.text),
      width: null,
      height: null,
      duration_ms: null,
      nsfw: false,
      text_content: extracted.text,
    });
  }
  // Under group commit with the pool's other work (see AccountBatcher); safe to run twice.
  await AccountBatcher.for(deps.db).run(payerQueueKey(row.space_id, row.user_id), row.id, async (tx) => {
    const finished = await repo.finishGeneration(tx, row.id, {
      status: 'succeeded',
      nsfw: outputs.some((o) => o.nsfw),
    });
    if (!finished) return;
    await repo.insertOutputs(tx, outputs);
    if (row.category === 'lora') await onTrainingSucceeded(tx, row, outputs[0]?.storage_key ?? null);
    await deliver(tx, finished, 'succeeded');
    // Last: the payer's balance row stays locked only until the commit.
    if (row.hold_id) await captureHold(tx, row.hold_id);
  });
}

/** Tells listeners the state changed and, for work asked from a chat, writes the outbox row its bot posts. */
async function deliver(
  tx: Parameters<typeof repo.insertDelivery>[0],
  row: GenerationRow,
  outcome: 'succeeded' | 'failed' | 'cancelled',
) {
  const changed: PublishedEvent = { type: 'generation', generationId: row.id, userId: row.user_id };
  const platform = row.origin.platform;
  // Work asked through the API or the web app has no chat to post to, so nobody would consume a row.
  const delivery =
    platform && platform !== 'web'
      ? await repo.insertDelivery(tx, {
          generation_id: row.id,
          outcome,
          platform,
          user_id: row.user_id,
          space_id: row.space_id,
        })
      : undefined;
  await publishEvents(
    tx,
    delivery && platform ? [changed, { type: 'delivery', platform, deliveryId: delivery.id }] : [changed],
  );
}

/**
 * Ends an active generation without a result: releases the hold, records a reason a person can
 * read and tells the chat. Returns false when it had already ended (nothing changes then).
 */
export async function failGeneration(
  deps: Pick<PipelineDeps, 'db'>,
  generationId: string,
  reason: string,
  status: 'failed' | 'cancelled' = 'failed',
): Promise<boolean> {
  const row = await repo.findGeneration(deps.db, generationId);
  if (!row || !repo.ACTIVE_STATUSES.includes(row.status)) return false;
  const queue = payerQueueKey(row.space_id, row.user_id);
  return AccountBatcher.for(deps.db).run(queue, generationId, async (tx) => {
    const finished = await repo.finishGeneration(tx, generationId, { status, failureReason: reason });
    if (!finished) return false;
    if (finished.category === 'lora') await onTrainingFailed(tx, finished, reason);
    await deliver(tx, finished, status);
    if (finished.hold_id) await releaseHold(tx, finished.hold_id, reason);
    return true;
  });
}

/** Cancels the owner's running generation: credits come back at once; the provider is asked to stop. */
export async function cancelGeneration(
  deps: Pick<PipelineDeps, 'db' | 'provider' | 'logger'>,
  actor: Actor,
  id: string,
): Promise<void> {
  const row = await ownedGeneration(deps.db, actor.user.id, id);
  if (!repo.ACTIVE_STATUSES.includes(row.status)) {
    throw new AppError('CONFLICT', row.status === 'succeeded' ? 'It already finished' : 'It is not running');
  }
  const cancelled = await failGeneration(
    deps,
    id,
    'Cancelled at your request; your credits were returned',
    'cancelled',
  );
  const model = endpointOf(row);
  if (cancelled && row.provider_request_id && model) {
    await deps.provider.cancel(model.endpoint, row.provider_request_id).catch((error: unknown) => {
      deps.logger.warn('provider cancel failed', { generationId: id, error: String(error) });
    });
  }
}
