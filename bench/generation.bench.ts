import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { sql } from 'kysely';
import { type AppRouter, encodeActor, transformer } from '../core/src/client';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { DEFAULT_FAL_KEY } from '../test/fakes/fal/fal-fake';
import { freePort } from '../test/support/ports';
import { postgresCpuMs, processCpuMs, startBenchProcess } from './processes';
import { type BenchDatabase, fmt, percentile } from './support';

/** At most 10 per user: core's rate limit is 10 a minute. */
const GENERATIONS = Math.min(Number(process.env.BENCH_GENERATIONS ?? 2000), 2500);
const USERS = 250;
const TARGET_PER_SECOND = 300;
const TARGET_CPU_MS = 4;

/**
 * The whole pipeline, each piece in its own process: core (`npm run core`: API, pipeline and webhook
 * route), the fal fake (answering at once, webhooks on) and PostgreSQL; this process only plays 250
 * chat users over tRPC HTTP, as bots do. Prints generations per second from the first create to the
 * last delivery row, and CPU per generation in core, in the fake and in PostgreSQL, next to the targets.
 */
export async function benchGeneration(bench: BenchDatabase): Promise<void> {
  const port = await freePort();
  const fal = await startBenchProcess('bench/fal-fake.process.ts', {}, 'fal fake at');
  const falUrl = /fal fake at (\S+)/.exec(fal.output())![1]!;
  const handle = bench.open(4);
  const core = await startBenchProcess(
    'core/src/main.ts',
    {
      DATABASE_URL: bench.url,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: falUrl,
      STARTER_CREDITS: '100000',
      LOG_LEVEL: 'error',
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-core-')),
    },
    'Atelier core is listening',
  );
  try {
    const token = await createServiceToken(handle.db, { name: 'bench-console', platform: 'console' });
    const clients = Array.from({ length: USERS }, (_, i) =>
      createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `http://127.0.0.1:${port}/trpc`,
            transformer,
            headers: () => ({
              authorization: `Bearer ${token}`,
              'x-atelier-actor': encodeActor({ userId: `gen-${i}`, userName: `Gen ${i}`, space: null }),
            }),
          }),
        ],
      }),
    );
    // Users exist (with their starter credits) before the clock starts.
    await Promise.all(clients.map((c) => c.credits.balance.query()));
    const delivered = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from deliveries`.execute(handle.db)).rows[0]!.n;
    const commits = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select xact_commit::text as n from pg_stat_database where datname = current_database()`.execute(
            handle.db,
          )
        ).rows[0]!.n,
      );
    const before = {
      core: processCpuMs(core.pid),
      fal: processCpuMs(fal.pid),
      pg: postgresCpuMs(),
      commits: await commits(),
      delivered: await delivered(),
    };

    // Each user keeps up to four generations running (core's limit per user): four slots, each
    // creating one and waiting for it to end before the next. One query a tick tells which ended.
    const waiting = new Map<string, () => void>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const ids = [...waiting.keys()];
        if (ids.length > 0) {
          const { rows } = await sql<{ id: string }>`
            select id from generations where id = any(${ids}::uuid[])
              and status not in ('queued', 'submitted', 'processing')`.execute(handle.db);
          for (const { id } of rows) {
            waiting.get(id)?.();
            waiting.delete(id);
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const started = performance.now();
    const latencies: number[] = [];
    // Every user makes the same number, under core's limit of 10 a minute.
    const left = clients.map((_, i) => Math.floor(GENERATIONS / USERS) + (i < GENERATIONS % USERS ? 1 : 0));
    const slots = Promise.all(
      clients.flatMap((client, i) =>
        [0, 1, 2, 3].map(async () => {
          while (left[i]! > 0) {
            left[i]!--;
            const t0 = performance.now();
            const { generation } = await client.generations.create.mutate({
              input: { prompt: `bench ${i}` },
              origin: { chatId: `bench-${i}` },
            });
            latencies.push(performance.now() - t0);
            await new Promise<void>((resolve) => waiting.set(generation.id, resolve));
          }
        }),
      ),
    );
    try {
      await slots;
    } finally {
      polling = false;
      await poller;
    }
    while ((await delivered()) - before.delivered < GENERATIONS) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    const used = {
      core: processCpuMs(core.pid) - before.core,
      fal: processCpuMs(fal.pid) - before.fal,
      pg: postgresCpuMs() - before.pg,
    };
    const perGeneration = (ms: number) => ms / GENERATIONS;
    const ours = perGeneration(used.core + used.pg);
    const rate = GENERATIONS / seconds;
    console.log(
      `generation: ${GENERATIONS} generations end to end, ${USERS} users over tRPC HTTP, fal fake answering at once with webhooks (own process)`,
    );
    console.log(
      `  ${fmt(rate, 1)} generations/s   target ${TARGET_PER_SECOND}: ratio ${fmt(rate / TARGET_PER_SECOND, 2)}   (${fmt(seconds, 1)} s)`,
    );
    console.log(
      `  create over HTTP: p50 ${fmt(percentile(latencies, 50), 1)} ms   p99 ${fmt(percentile(latencies, 99), 1)} ms`,
    );
    console.log(
      `  CPU ms per generation: core ${fmt(perGeneration(used.core), 2)}   PostgreSQL ${fmt(perGeneration(used.pg), 2)}   = ${fmt(ours, 2)}   target ${TARGET_CPU_MS}: ratio ${fmt(ours / TARGET_CPU_MS, 2)}   (fal fake ${fmt(perGeneration(used.fal), 2)}, not ours)`,
    );
    console.log(`  commits per generation: ${fmt(((await commits()) - before.commits) / GENERATIONS, 1)}`);
  } finally {
    await core.stop();
    await fal.stop();
    await handle.close();
  }
}
