import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { PgProxy, proxiedDatabase } from '../../../../test/support/pg-proxy';
import { waitUntil } from '../../../../test/support/wait';
import { createEventBus, type EventBus } from '../../events/event-bus';
import { type JobQueue, startJobQueue } from '../../jobs/job-queue';
import { startWorker, type Worker } from '../../jobs/worker';
import { silentLogger } from '../../logger';
import type { GenerationView } from './generation-view';

// Core reaches PostgreSQL through a proxy the test can cut (a network blip, a failover); the worker
// talks to the database directly, so work goes on and finishes while core cannot hear about it.

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const proxy = new PgProxy(() => t.url);
const viaProxy = proxiedDatabase(t, proxy);
beforeAll(() => viaProxy.open());
afterAll(async () => {
  await proxy.close();
  await viaProxy.close();
});
const core = useTestCore(viaProxy, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: false,
  jobPollSeconds: 0.5,
});

let jobs: JobQueue;
let events: EventBus;
let worker: Worker;
beforeAll(async () => {
  jobs = await startJobQueue({ url: t.url, logger: silentLogger, pollSeconds: 0.5 });
  events = await createEventBus(t.url, silentLogger);
  const { storage, provider, config } = core.app.deps;
  worker = await startWorker(
    { db: t.db, storage, jobs, events, provider, config, logger: silentLogger, pollSeconds: 0.5 },
    { sweepEverySeconds: 3600 },
  );
});
afterAll(async () => {
  await worker.stop();
  await jobs.stop();
  await events.close();
});

const status = async (id: string) =>
  (await t.db.selectFrom('generations').select('status').where('id', '=', id).executeTakeFirstOrThrow())
    .status;

describe('a database blip seen from core', () => {
  it('API calls answer 503 while the database is out of reach, and work again afterwards', async () => {
    const bot = await core.bot('telegram', { userId: 'blip-bo' });
    // A user core has never seen: even looking up who is calling needs the database.
    const newcomer = await core.bot('telegram', { userId: 'blip-newcomer' });
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50 });
    await proxy.cut();
    try {
      expect(await trpcError(bot.credits.balance.query())).toMatchObject({
        httpStatus: 503,
        appCode: 'UNAVAILABLE',
        message: 'The service is briefly unavailable; please try again in a moment',
        details: { retryAfterSeconds: 5 },
      });
      expect(await trpcError(newcomer.me.get.query())).toMatchObject({
        httpStatus: 503,
        appCode: 'UNAVAILABLE',
      });
    } finally {
      await proxy.restore();
    }
    const back = await waitUntil(
      async () => (await bot.credits.balance.query().catch(() => null))?.personal ?? null,
      { label: 'core to reach the database again' },
    );
    expect(back).toMatchObject({ available: 50 });
  });

  it('a progress stream whose final event was lost in the blip still ends with the result', async () => {
    fal.setBehavior('fal-ai/flux/dev', { manual: true, webhook: false, output: imageOutput(TINY_PNG) });
    const bot = await core.bot('telegram', { userId: 'blip-bea' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'through the blip' },
    });
    const seen: GenerationView[] = [];
    const subscription = bot.generations.progress.subscribe(
      { id: created.id },
      { onData: (view) => seen.push(view as unknown as GenerationView), onError: () => {} },
    );
    try {
      const requestId = await waitUntil(
        async () =>
          (
            await t.db
              .selectFrom('generations')
              .select('provider_request_id')
              .where('id', '=', created.id)
              .executeTakeFirstOrThrow()
          ).provider_request_id,
        { label: 'the submit' },
      );
      await waitUntil(() => seen.length > 0, { label: 'the first progress view' });

      await proxy.cut();
      try {
        await fal.complete(requestId);
        // The worker finishes the job and notifies; core is not listening at that moment.
        await waitUntil(async () => (await status(created.id)) === 'succeeded', { label: 'finalize' });
      } finally {
        await proxy.restore();
      }
      const last = await waitUntil(() => seen.find((v) => v.status === 'succeeded'), {
        timeoutMs: 20_000,
        label: 'the stream to show the result',
      });
      expect(last.outputs).toHaveLength(1);
    } finally {
      subscription.unsubscribe();
    }
  });
});
