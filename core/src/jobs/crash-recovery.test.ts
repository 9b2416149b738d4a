import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { freePort } from '../../../test/support/ports';
import { startAppProcess } from '../../../test/support/processes';
import { waitUntil } from '../../../test/support/wait';
import { reconcileLedger } from '../domain/credits/reconcile';

// Workers are real processes (`npm run worker`), killed with SIGKILL while fal has accepted their
// submits but not yet answered: the worst moment, since fal runs the job and we do not know its id.

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
  { worker: false },
);

function startWorker(extra: Record<string, string> = {}) {
  const { config } = core.app.deps;
  return startAppProcess(
    'core/src/jobs/worker.cli.ts',
    {
      DATABASE_URL: t.url,
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: fal.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ATELIER_DATA_DIR: config.dataDir,
      ATELIER_SECRET: config.secret,
      LOG_LEVEL: 'error',
      WORKER_SWEEP_SECONDS: '1',
      WORKER_STATUS_POLL_SECONDS: '0.5',
      ...extra,
    },
    'worker ready',
  );
}

async function createFor(prefix: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const bot = await core.bot('telegram', { userId: `${prefix}-${i}` });
    const { generation } = await bot.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: `${prefix} ${i}` },
    });
    ids.push(generation.id);
  }
  return ids;
}

const falJobsFor = (prefix: string) =>
  fal.requests.filter((r) => String((r.input as { prompt?: string }).prompt).startsWith(`${prefix} `));

async function outcome(ids: string[]) {
  const rows = await t.db
    .selectFrom('generations')
    .select(['status', 'hold_id'])
    .where('id', 'in', ids)
    .execute();
  const holds = await t.db
    .selectFrom('credit_holds')
    .select('status')
    .where(
      'id',
      'in',
      rows.map((r) => r.hold_id!),
    )
    .execute();
  const deliveries = await t.db
    .selectFrom('deliveries')
    .select('id')
    .where('generation_id', 'in', ids)
    .execute();
  return {
    succeeded: rows.filter((r) => r.status === 'succeeded').length,
    captured: holds.filter((h) => h.status === 'captured').length,
    deliveries: deliveries.length,
  };
}

async function resubmitsMetric(): Promise<number> {
  const text = await (await fetch(`${core.app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('atelier_generation_resubmits_total '));
  return Number(line?.split(' ')[1]);
}

describe('a worker killed mid-submit', () => {
  it("fal's webhook names the generation: it is adopted, never sent twice, and ends within seconds", async () => {
    fal.setBehavior('fal-ai/fast-sdxl', {
      holdSubmitAnswers: true,
      timing: { queueMs: 300, progressMs: 300 },
      output: imageOutput(TINY_PNG),
    });
    const first = await startWorker();
    const ids = await createFor('adopt', 3);
    await waitUntil(() => falJobsFor('adopt').length === 3, { label: 'fal to accept the three submits' });
    await first.kill();
    const killedAt = Date.now();
    const second = await startWorker();

    await waitUntil(async () => (await outcome(ids)).succeeded === 3, {
      timeoutMs: 20_000,
      label: 'the three generations to end',
    });
    const recoveredInMs = Date.now() - killedAt;
    await second.kill();

    expect(recoveredInMs).toBeLessThan(20_000);
    expect(falJobsFor('adopt')).toHaveLength(3);
    expect(await outcome(ids)).toEqual({ succeeded: 3, captured: 3, deliveries: 3 });
    expect(await resubmitsMetric()).toBe(0);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('without a webhook in time, another worker submits again within seconds and /metrics counts it', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', {
      holdSubmitAnswers: true,
      webhook: false,
      timing: { queueMs: 200, progressMs: 200 },
      output: imageOutput(TINY_PNG),
    });
    const first = await startWorker({ WORKER_WEBHOOK_GRACE_SECONDS: '1' });
    const ids = await createFor('resend', 2);
    await waitUntil(() => falJobsFor('resend').length === 2, { label: 'fal to accept the two submits' });
    await first.kill();
    const before = await resubmitsMetric();
    // From now on fal answers submits again (the dead worker's answers go nowhere).
    fal.setBehavior('fal-ai/fast-sdxl', {
      webhook: false,
      timing: { queueMs: 200, progressMs: 200 },
      output: imageOutput(TINY_PNG),
    });
    fal.releaseSubmitAnswers();
    const killedAt = Date.now();
    const second = await startWorker({ WORKER_WEBHOOK_GRACE_SECONDS: '1' });

    await waitUntil(async () => (await outcome(ids)).succeeded === 2, {
      timeoutMs: 30_000,
      label: 'the two generations to end',
    });
    const recoveredInMs = Date.now() - killedAt;
    await second.kill();

    // Lease (10 s) plus a sweep: seconds, not the minutes a dead worker's job takes to expire.
    expect(recoveredInMs).toBeLessThan(30_000);
    expect(await outcome(ids)).toEqual({ succeeded: 2, captured: 2, deliveries: 2 });
    expect(falJobsFor('resend')).toHaveLength(4);
    expect((await resubmitsMetric()) - before).toBe(2);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});
