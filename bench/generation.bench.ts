import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { ensureUser, personalAccountId } from '../core/src/domain/accounts/accounts.service';
import { addCredits } from '../core/src/domain/credits/credits.service';
import { createGeneration } from '../core/src/domain/generation/generation.service';
import { silentLogger } from '../core/src/logger';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../test/fakes/fal/fal-fake';
import { freePort } from '../test/support/ports';
import { type BenchDatabase, fmt, percentile } from './support';

const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 200);
const USERS = 50;
/** As if asked from a chat, so finishing writes a delivery row (the outbox a bot would post from). */
const BENCH_ORIGIN = { platform: 'console' as const, chatId: 'bench' };

/**
 * The whole pipeline against the fake fal: (1) throughput with fal answering at once, (2) the overhead
 * from fal finishing a request to our delivery row (webhook -> verify -> finalize -> capture -> outbox).
 */
export async function benchGeneration(bench: BenchDatabase): Promise<void> {
  const fal = new FalFake();
  await fal.start();
  const port = await freePort();
  const handle = bench.open(20);
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    ATELIER_SECRET: 'bench-secret-bench-secret',
    ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-core-')),
  });
  const core = await startCore({
    config,
    db: handle.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
    worker: { sweepEverySeconds: 3600 },
  });
  try {
    const actors = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const user = await ensureUser(
          handle.db,
          { platform: 'console', platformUserId: `gen-bench-${i}-${randomUUID()}`, displayName: `b${i}` },
          0,
        );
        const accountId = await personalAccountId(handle.db, user.id);
        await handle.db
          .transaction()
          .execute((tx) =>
            addCredits(tx, { accountId, amount: 100_000, kind: 'grant', idempotencyKey: randomUUID() }),
          );
        return { user, space: null };
      }),
    );
    const deliveredCount = async (ids: string[]) =>
      Number(
        (
          await handle.db
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('generation_id', 'in', ids)
            .executeTakeFirstOrThrow()
        ).n,
      );

    // (1) Throughput: every user keeps up to 4 generations running until GENERATIONS are delivered.
    fal.setBehavior('fal-ai/flux-1/schnell', { immediate: true, output: imageOutput(TINY_PNG) });
    const ids: string[] = [];
    const started = performance.now();
    let created = 0;
    await Promise.all(
      actors.map(async (actor) => {
        while (created < GENERATIONS) {
          created++;
          try {
            const { generation } = await createGeneration(core.deps, actor, {
              input: { prompt: 'bench' },
              origin: BENCH_ORIGIN,
            });
            ids.push(generation.id);
          } catch {
            created--;
            await new Promise((r) => setTimeout(r, 100)); // at the concurrency limit: wait for one to finish
          }
        }
      }),
    );
    while ((await deliveredCount(ids)) < ids.length) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - started) / 1000;
    console.log(`generation: ${ids.length} generations end to end (fake fal answering at once, webhooks on)`);
    console.log(
      `  ${fmt(ids.length / seconds, 1)} generations/s   (${fmt(seconds, 1)} s total, ${USERS} users)`,
    );

    // (2) Completion-to-delivery overhead: fal finishes a request at a known instant; we time the delivery row.
    fal.setBehavior('fal-ai/fast-sdxl', {
      manual: true,
      output: imageOutput(TINY_PNG),
      webhook: { delayMs: 0 },
    });
    const overheads: number[] = [];
    for (let i = 0; i < 40; i++) {
      const actor = actors[i % actors.length]!;
      const { generation } = await createGeneration(core.deps, actor, {
        model: 'sdxl',
        input: { prompt: `o${i}` },
        origin: BENCH_ORIGIN,
      });
      let requestId: string | null = null;
      while (!requestId) {
        const row = await handle.db
          .selectFrom('generations')
          .select('provider_request_id')
          .where('id', '=', generation.id)
          .executeTakeFirstOrThrow();
        requestId = row.provider_request_id;
        if (!requestId) await new Promise((r) => setTimeout(r, 5));
      }
      const completedAt = Date.now();
      await fal.complete(requestId);
      for (;;) {
        const delivery = await handle.db
          .selectFrom('deliveries')
          .select('created_at')
          .where('generation_id', '=', generation.id)
          .executeTakeFirst();
        if (delivery) {
          overheads.push(delivery.created_at.getTime() - completedAt);
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    console.log('  fal completion -> delivery row (webhook path), 40 samples');
    console.log(`  p50 ${fmt(percentile(overheads, 50))} ms   p99 ${fmt(percentile(overheads, 99))} ms`);
  } finally {
    await core.stop();
    await handle.close();
    await fal.close();
  }
}
