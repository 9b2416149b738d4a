import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { waitUntil } from '../../../test/support/wait';
import { reconcileLedger } from '../domain/credits/reconcile';

// Workers run as real child processes (`npm run worker`'s entry), so "killed" means SIGKILL.

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(t, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), { worker: false });

const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
});

async function startWorkerProcess(): Promise<ChildProcess> {
  const { config } = core.app.deps;
  const child = spawn(process.execPath, ['--import', 'tsx', 'core/src/jobs/worker.cli.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: fal.url,
      ATELIER_DATA_DIR: config.dataDir,
      ATELIER_SECRET: config.secret,
      LOG_LEVEL: 'warn',
      WORKER_SWEEP_SECONDS: '1',
      WORKER_STALLED_SECONDS: '2',
      WORKER_STATUS_POLL_SECONDS: '0.5',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await waitUntil(() => output.includes('worker ready'), {
    timeoutMs: 30_000,
    label: `worker start: ${output}`,
  });
  return child;
}

async function kill(child: ChildProcess) {
  child.kill('SIGKILL');
  await once(child, 'exit');
  children.delete(child);
}

const generation = (id: string) =>
  t.db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function countsFor(generationIds: string[]) {
  const holds = await t.db
    .selectFrom('generations')
    .select('hold_id')
    .where('id', 'in', generationIds)
    .execute();
  const holdIds = holds.map((h) => h.hold_id!);
  const entries = await t.db
    .selectFrom('credit_entries')
    .select('kind')
    .where('hold_id', 'in', holdIds)
    .execute();
  const deliveries = await t.db
    .selectFrom('deliveries')
    .select('id')
    .where('generation_id', 'in', generationIds)
    .execute();
  const pending = await t.db
    .selectFrom('credit_holds')
    .select('id')
    .where('id', 'in', holdIds)
    .where('status', '=', 'pending')
    .execute();
  return {
    captures: entries.filter((e) => e.kind === 'capture').length,
    releases: entries.filter((e) => e.kind === 'release').length,
    deliveries: deliveries.length,
    pendingHolds: pending.length,
  };
}

describe('worker processes', () => {
  it('a worker killed between submit and finalize: the next one finishes the job exactly once', async () => {
    fal.setBehavior('fal-ai/flux/dev', { manual: true, output: imageOutput(TINY_PNG), webhook: false });
    const bot = await core.bot('telegram', { userId: 'crash-carla' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'crash' },
    });

    const first = await startWorkerProcess();
    const requestId = await waitUntil(async () => (await generation(created.id)).provider_request_id, {
      label: 'submission',
    });
    await kill(first);
    await fal.complete(requestId);

    const second = await startWorkerProcess();
    await waitUntil(async () => (await generation(created.id)).status === 'succeeded', {
      timeoutMs: 30_000,
      label: 'finalize after restart',
    });
    await kill(second);
    expect(fal.requests.filter((r) => (r.input as { prompt?: string }).prompt === 'crash')).toHaveLength(1);
    expect(await countsFor([created.id])).toEqual({
      captures: 1,
      releases: 0,
      deliveries: 1,
      pendingHolds: 0,
    });
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 47, held: 0 });
  });

  it('two workers on one database never double-process', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, output: imageOutput(TINY_PNG), webhook: false });
    const workers = await Promise.all([startWorkerProcess(), startWorkerProcess()]);
    const ids: string[] = [];
    for (const user of ['w-ann', 'w-ben', 'w-cat']) {
      const bot = await core.bot('discord', { userId: user });
      for (let i = 0; i < 4; i++) {
        const { generation: g } = await bot.generations.create.mutate({
          model: 'sdxl',
          input: { prompt: `${user}-${i}` },
        });
        ids.push(g.id);
      }
    }
    await waitUntil(
      async () => {
        const rows = await t.db.selectFrom('generations').select('status').where('id', 'in', ids).execute();
        return rows.every((r) => r.status === 'succeeded');
      },
      { timeoutMs: 45_000, label: '12 generations' },
    );
    for (const w of workers) await kill(w);
    const submitted = fal.requests.filter((r) => r.appId === 'fal-ai/fast-sdxl');
    expect(submitted).toHaveLength(12);
    expect(await countsFor(ids)).toEqual({ captures: 12, releases: 0, deliveries: 12, pendingHolds: 0 });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});
