import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { freePort } from '../../../test/support/ports';
import { waitUntil } from '../../../test/support/wait';
import { reconcileLedger } from '../domain/credits/reconcile';
import { createEventBus, type EventBus } from '../events/event-bus';
import { silentLogger } from '../logger';
import { type JobQueue, startJobQueue } from './job-queue';
import { startWorker, type Worker } from './worker';

// Core runs the pipeline in its own process (as `npm start` and `npm run core` do): accepted work is
// submitted right after its commit and the signed webhook finalizes it, with the job queue left for
// retries. A second worker on the same database stands for another replica.

const fal = new FalFake();
let port = 0;
beforeAll(async () => {
  await fal.start();
  port = await freePort();
});
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
  }),
  // Status polls a minute apart: every result here must come from its webhook.
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 60 },
);

let replica: Worker;
let replicaJobs: JobQueue;
let replicaEvents: EventBus;
beforeAll(async () => {
  replicaJobs = await startJobQueue({ url: t.url, logger: silentLogger, pollSeconds: 0.5 });
  replicaEvents = await createEventBus(t.url, silentLogger);
  const { storage, provider, config } = core.app.deps;
  replica = await startWorker(
    {
      db: t.db,
      storage,
      provider,
      config,
      jobs: replicaJobs,
      events: replicaEvents,
      logger: silentLogger,
    },
    { sweepEverySeconds: 3600 },
  );
});
afterAll(async () => {
  await replica.stop();
  await replicaJobs.stop();
  await replicaEvents.close();
});

const promptsSent = (prefix: string) =>
  fal.requests.filter((r) => String((r.input as { prompt?: string }).prompt).startsWith(prefix));

async function ledgerOf(ids: string[]) {
  const rows = await t.db
    .selectFrom('generations')
    .select(['status', 'hold_id'])
    .where('id', 'in', ids)
    .execute();
  const entries = await t.db
    .selectFrom('credit_entries')
    .select('kind')
    .where(
      'hold_id',
      'in',
      rows.map((r) => r.hold_id!),
    )
    .execute();
  const deliveries = await t.db
    .selectFrom('deliveries')
    .select('id')
    .where('generation_id', 'in', ids)
    .execute();
  const outputs = await t.db
    .selectFrom('generation_outputs')
    .select('generation_id')
    .where('generation_id', 'in', ids)
    .execute();
  return {
    succeeded: rows.filter((r) => r.status === 'succeeded').length,
    captures: entries.filter((e) => e.kind === 'capture').length,
    releases: entries.filter((e) => e.kind === 'release').length,
    deliveries: deliveries.length,
    outputs: outputs.length,
  };
}

describe('the pipeline inside core', () => {
  it('submits accepted work at once and finishes it from the webhook, with nothing on the job queue', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, output: imageOutput(TINY_PNG) });
    const ids: string[] = [];
    await Promise.all(
      ['ana', 'bo'].map(async (user) => {
        const bot = await core.bot('telegram', { userId: `inproc-${user}` });
        for (let i = 0; i < 4; i++) {
          const { generation } = await bot.generations.create.mutate({
            model: 'sdxl',
            input: { prompt: `inproc ${user} ${i}` },
          });
          ids.push(generation.id);
        }
      }),
    );
    await waitUntil(async () => (await ledgerOf(ids)).succeeded === 8, { label: 'eight results' });

    // One submit each, although two processes run the pipeline on this database.
    expect(promptsSent('inproc ')).toHaveLength(8);
    expect(await ledgerOf(ids)).toEqual({
      succeeded: 8,
      captures: 8,
      releases: 0,
      deliveries: 8,
      outputs: 8,
    });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where name like 'generation-%'
    `.execute(t.db);
    expect(rows[0]?.n).toBe(0);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('a webhook and sweepers racing to finish the same generation finish it once', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', {
      manual: true,
      webhook: { delayMs: 0 },
      output: imageOutput(TINY_PNG),
    });
    const bot = await core.bot('discord', { userId: 'race-rae' });
    const { generation } = await bot.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'race to the finish' },
    });
    const requestId = await waitUntil(
      async () =>
        (
          await t.db
            .selectFrom('generations')
            .select('provider_request_id')
            .where('id', '=', generation.id)
            .executeTakeFirstOrThrow()
        ).provider_request_id,
      { label: 'the submit' },
    );
    // It looks stalled to every sweeper, just as fal finishes it and sends the webhook.
    await t.db
      .updateTable('generations')
      .set({ updated_at: new Date(Date.now() - 3_600_000) })
      .where('id', '=', generation.id)
      .execute();
    await Promise.all([fal.complete(requestId), core.app.worker!.sweep(), replica.sweep()]);
    await waitUntil(async () => (await ledgerOf([generation.id])).succeeded === 1, { label: 'the result' });
    await waitUntil(
      () => fal.webhookDeliveries.some((d) => d.requestId === requestId && d.responseStatus === 200),
      {
        label: 'the webhook to be answered',
      },
    );

    expect(await ledgerOf([generation.id])).toEqual({
      succeeded: 1,
      captures: 1,
      releases: 0,
      deliveries: 1,
      outputs: 1,
    });
    expect(promptsSent('race to the finish')).toHaveLength(1);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ held: 0 });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('a submit sent again and again but never recorded is given up: the job fails once and the credits come back', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { manual: true, webhook: false, output: imageOutput(TINY_PNG) });
    const bot = await core.bot('telegram', { userId: 'stuck-stu' });
    const before = (await bot.credits.balance.query()).personal.available;
    const { generation } = await bot.generations.create.mutate({ model: 'sdxl', input: { prompt: 'stuck' } });
    await waitUntil(() => promptsSent('stuck').length === 1, { label: 'the first submit' });
    // As if every earlier attempt reached fal and then failed to be recorded, the last one long ago.
    await t.db
      .updateTable('generations')
      .set({
        status: 'queued',
        provider_request_id: null,
        resubmits: 3,
        submit_started_at: new Date(Date.now() - 3_600_000),
        submit_lease_until: new Date(Date.now() - 60_000),
      })
      .where('id', '=', generation.id)
      .execute();
    await replica.sweep();

    const row = await t.db
      .selectFrom('generations')
      .select(['status', 'failure_reason'])
      .where('id', '=', generation.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      status: 'failed',
      failure_reason: 'We could not start this job; nothing was charged. Please try again in a while.',
    });
    expect(promptsSent('stuck')).toHaveLength(1);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: before, held: 0 });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});
