import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../test/fakes/fal/fal-fake';
import { useTestDatabase } from '../../../test/support/db';
import { freePort } from '../../../test/support/ports';
import { type AppProcess, startAppProcess } from '../../../test/support/processes';
import { waitUntil } from '../../../test/support/wait';
import { type AppRouter, encodeActor, transformer } from '../client';
import { createServiceToken } from '../domain/auth/auth.service';
import { reconcileLedger } from '../domain/credits/reconcile';
import { openDatabase } from './database';

// `npm run core` (core with its worker) and a second `npm run worker`, as real processes, while their
// PostgreSQL backends are terminated again and again under load (a failover, an admin's
// pg_terminate_backend, a proxy dropping connections). postgres.js 3.4.9 unpatched dies of this with
// "Cannot read properties of null (reading 'write')" (porsager/postgres#1154); see patches/.

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
let core: AppProcess;
let worker: AppProcess;
let coreUrl = '';

beforeAll(async () => {
  const port = await freePort();
  const env = {
    DATABASE_URL: t.url,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-conn-loss-')),
    ATELIER_SECRET: 'test-secret-test-secret',
    LOG_LEVEL: 'error',
    STARTER_CREDITS: '50',
    WORKER_SWEEP_SECONDS: '1',
    WORKER_STALLED_SECONDS: '2',
    WORKER_STATUS_POLL_SECONDS: '0.5',
  };
  core = await startAppProcess(
    'core/src/main.ts',
    { ...env, PORT: String(port) },
    'Atelier core is listening',
  );
  coreUrl = `http://127.0.0.1:${port}`;
  worker = await startAppProcess('core/src/jobs/worker.cli.ts', env, 'worker ready');
});
afterAll(async () => {
  await worker?.kill();
  await core?.kill();
});

async function botFor(userId: string) {
  const token = await createServiceToken(t.db, { name: `load-${userId}`, platform: 'telegram' });
  const actor = encodeActor({ userId, userName: userId, space: null });
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${coreUrl}/trpc`,
        transformer,
        headers: () => ({ authorization: `Bearer ${token}`, 'x-atelier-actor': actor }),
        // A client gives up on a call that takes too long and asks again with the same request key.
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
      }),
    ],
  });
}

/** Asks until core answers: a 503 during the outage is the service saying "try again". */
async function createUntilAccepted(bot: Awaited<ReturnType<typeof botFor>>, key: string, prompt: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      const { generation } = await bot.generations.create.mutate({
        model: 'sdxl',
        input: { prompt },
        requestKey: key,
      });
      return { id: generation.id, attempts: attempt + 1 };
    } catch (error) {
      if (!(error instanceof TRPCClientError) || attempt > 200) throw error;
      const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
      // "Unavailable" (503) or no answer in time: ask again. Anything else is a real failure.
      if (status !== 503 && status !== undefined) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('losing database connections under load', () => {
  it('core and worker stay up, every accepted generation ends once and the ledger reconciles', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, webhook: false, output: imageOutput(TINY_PNG) });
    const users = ['ana', 'ben', 'cy', 'dee', 'eli', 'fay'];
    const bots = await Promise.all(users.map((user) => botFor(`kill-${user}`)));
    const killer = openDatabase(t.url, { max: 1 });
    let kills = 0;
    // Every backend of this database except the killer's own, round after round while work arrives.
    const killLoop = (async () => {
      for (let round = 0; round < 16; round++) {
        const { rows } = await sql<{ killed: number }>`
          select count(*)::int as killed from (
            select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
          ) k`.execute(killer.db);
        kills += rows[0]?.killed ?? 0;
        await new Promise((r) => setTimeout(r, 400));
      }
    })();

    // Four per user: the most one user may have running at once.
    const accepted = (
      await Promise.all(
        users.map((user, n) =>
          Promise.all(
            [0, 1, 2, 3].map(async (i) => {
              await new Promise((r) => setTimeout(r, i * 1500 + n * 200));
              return (await createUntilAccepted(bots[n]!, `load:${user}:${i}`, `${user} ${i}`)).id;
            }),
          ),
        ),
      )
    ).flat();
    try {
      await killLoop;
    } finally {
      await killer.close();
    }
    expect(kills).toBeGreaterThan(10);
    expect(accepted).toHaveLength(24);

    const rows = await waitUntil(
      async () => {
        const found = await t.db
          .selectFrom('generations')
          .select(['id', 'status'])
          .where('id', 'in', accepted)
          .execute()
          .catch(() => []);
        return found.length === accepted.length && found.every((g) => g.status === 'succeeded')
          ? found
          : null;
      },
      { timeoutMs: 90_000, label: 'every accepted generation to end' },
    );
    expect(rows).toHaveLength(24);
    expect(core.alive()).toBe(true);
    expect(worker.alive()).toBe(true);
    expect(core.output() + worker.output()).not.toMatch(/reading 'write'|uncaught/i);
    // Each generation was captured once and delivered once; nothing is left held.
    const deliveries = await t.db
      .selectFrom('deliveries')
      .select('generation_id')
      .where('generation_id', 'in', accepted)
      .execute();
    expect(new Set(deliveries.map((d) => d.generation_id)).size).toBe(24);
    expect(deliveries).toHaveLength(24);
    const pending = await t.db
      .selectFrom('credit_holds')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
    expect(await reconcileLedger(t.db)).toEqual([]);
  }, 180_000);
});
