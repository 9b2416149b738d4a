import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/database';
import * as generationRepo from '../domain/generation/generation.repo';
import type { JobQueue } from '../jobs/job-queue';
import type { Logger } from '../logger';
import type { FalWebhookVerifier } from '../providers/fal/fal-webhook';
import { readBody, sendJson } from './server';

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * POST /webhooks/fal: verifies fal's Ed25519 signature and timestamp, dedupes on the request id and
 * runs the one idempotent finalize step (which re-reads the result from fal rather than trusting this
 * body) after answering.
 * Unknown request ids get 404 so fal retries later (the webhook can outrun our own bookkeeping).
 */
export function createFalWebhookRoute(deps: {
  db: Db;
  jobs: JobQueue;
  verifier: FalWebhookVerifier;
  logger: Logger;
  finalize: (generationId: string) => Promise<void>;
}) {
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
    const generation =
      (await adoptAbandoned(deps, req, verified.requestId)) ??
      (await findSubmitted(deps.db, verified.requestId));
    if (!generation) {
      sendJson(res, 404, { error: 'Unknown request id' });
      return true;
    }
    const first = await deps.db
      .insertInto('provider_webhooks')
      .values({ provider: 'fal', request_id: verified.requestId })
      .onConflict((oc) => oc.columns(['provider', 'request_id']).doNothing())
      .returning('request_id')
      .executeTakeFirst();
    sendJson(res, 200, { ok: true, duplicate: !first });
    if (first) {
      // Finalize right away in this process; if that fails for any reason the job queue retries it.
      deps.finalize(generation.id).catch(async (error: unknown) => {
        deps.logger.warn('finalize after webhook failed; queued for retry', {
          generationId: generation.id,
          error,
        });
        await deps.jobs.send('generation-finalize', { generationId: generation.id });
      });
    }
    return true;
  };
}

/**
 * The webhook URL names our generation (`?generation=`). When the worker that submitted it died before
 * storing fal's answer, this signed webhook is how we learn the request id: adopt it rather than
 * sending the work to fal a second time.
 */
async function adoptAbandoned(deps: { db: Db; logger: Logger }, req: IncomingMessage, requestId: string) {
  const named = new URL(req.url ?? '/', 'http://core').searchParams.get('generation');
  if (!named || !UUID.test(named)) return undefined;
  const adopted = await generationRepo.adoptProviderRequest(deps.db, named, requestId);
  if (adopted) deps.logger.info('adopted a fal request its worker never recorded', { generationId: named });
  return adopted;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A fast model can finish, and fal call us, before the worker has stored the request id it got back
 * from submit; give that a moment before answering 404 (which makes fal retry much later).
 */
async function findSubmitted(db: Db, requestId: string) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const generation = await generationRepo.findByProviderRequest(db, 'fal', requestId);
    if (generation) return generation;
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
  return undefined;
}
