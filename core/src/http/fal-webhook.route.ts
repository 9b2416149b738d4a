import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/database';
import * as generationRepo from '../domain/generation/generation.repo';
import type { FinalizeKnown } from '../domain/generation/pipeline';
import type { JobQueue } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { FalWebhookVerifier } from '../providers/fal/fal-webhook';
import { readBody, sendJson } from './server';

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * POST /webhooks/fal: verifies fal's Ed25519 signature and timestamp, finds the generation the
 * webhook URL names (`?generation=`, as submitted) and finalizes it after answering. The signature
 * covers the body, so a successful result is taken from it rather than fetched from fal again; an
 * error report is re-read from fal for its wording. Duplicates are harmless: finalizing is gated on
 * the generation still running, and one process finalizes a generation once at a time.
 * Unknown request ids get 404 so fal retries later (the webhook can outrun our own bookkeeping).
 */
export function createFalWebhookRoute(deps: {
  db: Db;
  jobs: JobQueue;
  verifier: FalWebhookVerifier;
  logger: Logger;
  finalize: (generationId: string, known: FinalizeKnown) => Promise<void>;
}) {
  const finalizing = new Set<string>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'Use POST' });
      return true;
    }
    const body = await readBody(req, MAX_WEBHOOK_BYTES);
    if (!body) {
      sendJson(res, 413, { error: 'Webhook body too large' });
      return true;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const verified = await deps.verifier.verify(headers, body);
    if (!verified.ok) {
      deps.logger.warn('fal webhook refused', { reason: verified.reason });
      sendJson(res, verified.retryable ? 503 : 401, { error: verified.reason });
      return true;
    }
    const generation = await generationFor(deps, req, verified.requestId);
    if (!generation) {
      sendJson(res, 404, { error: 'Unknown request id' });
      return true;
    }
    const duplicate =
      finalizing.has(generation.id) || !generationRepo.ACTIVE_STATUSES.includes(generation.status);
    sendJson(res, 200, { ok: true, duplicate });
    if (duplicate) return true;
    finalizing.add(generation.id);
    const known: FinalizeKnown = {
      row: generation,
      ...(verified.body.status === 'OK' ? { output: verified.body.payload } : {}),
    };
    // Finalize right away in this process; if that fails for any reason the job queue retries it.
    deps
      .finalize(generation.id, known)
      .catch(async (error: unknown) => {
        deps.logger.warn('finalize after webhook failed; queued for retry', {
          generationId: generation.id,
          error,
        });
        await deps.jobs.send('generation-finalize', { generationId: generation.id });
      })
      .catch((error: unknown) => {
        // The database is gone too: the sweeper polls the generation once it went quiet.
        deps.logger.warn('could not queue a finalize retry', {
          generationId: generation.id,
          error: String(error),
        });
      })
      .finally(() => finalizing.delete(generation.id));
    return true;
  };
}

/**
 * The generation a verified webhook is about. The URL names it (`?generation=`); when the worker that
 * submitted it died, or the model finished before the worker stored fal's answer, this signed webhook
 * is how we learn the request id: adopt it rather than sending the work to fal a second time. A
 * webhook for an older request of a generation that was sent again is not this generation's answer.
 */
async function generationFor(deps: { db: Db; logger: Logger }, req: IncomingMessage, requestId: string) {
  const named = new URL(req.url ?? '/', 'http://core').searchParams.get('generation');
  if (!named || !UUID.test(named)) return findSubmitted(deps.db, requestId);
  const row = await generationRepo.findGeneration(deps.db, named);
  if (!row || row.provider_request_id === requestId) return row;
  if (row.provider_request_id !== null) return undefined;
  const adopted = await generationRepo.adoptProviderRequest(deps.db, named, requestId);
  if (adopted) {
    deps.logger.debug('took the request id from the webhook', { generationId: named });
    return adopted;
  }
  // The submitting worker stored fal's answer between our read and our update: read it again.
  const stored = await generationRepo.findGeneration(deps.db, named);
  return stored?.provider_request_id === requestId ? stored : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A webhook URL without a generation (submitted by an older version): look the request up, giving
 * the worker a moment to store the request id it got back from submit before answering 404 (which
 * makes fal retry much later).
 */
async function findSubmitted(db: Db, requestId: string) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const generation = await generationRepo.findByProviderRequest(db, 'fal', requestId);
    if (generation) return generation;
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
  return undefined;
}
