import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { feed, galleryItem, moderationQueue } from '../core/src/domain/gallery/gallery.service';
import { createLocalStore } from '../core/src/storage';
import { type BenchDatabase, fmt, percentile } from './support';

const PENDING = Number(process.env.BENCH_PENDING_ITEMS ?? 100_000);
const APPROVED = Number(process.env.BENCH_APPROVED_ITEMS ?? 1_000_000);
const USERS = 1_000;
const REQUESTS = 300;
const WARMUP = 30;

/**
 * The web app's heaviest first pages: the moderation queue's tabs with PENDING items waiting (5% of
 * them reported, 10% flagged NSFW) and the public gallery with APPROVED items, each with one output.
 * Service calls (page query, outputs, reports, URL signing on a real local store), sequential.
 */
export async function benchModeration(bench: BenchDatabase): Promise<void> {
  const raw = postgres(bench.url, { max: 4, onnotice: () => {} });
  const app = bench.open(4);
  const storeDir = mkdtempSync(path.join(tmpdir(), 'atelier-bench-store-'));
  const storage = createLocalStore({
    rootDir: storeDir,
    publicUrl: 'http://127.0.0.1:8787',
    signingSecret: 'bench-secret-bench-secret',
  });
  const deps = { db: app.db, storage, config: { galleryAutoApprove: true } };
  try {
    const seeded = performance.now();
    await seed(raw);
    console.log(
      `moderation: seeded ${fmt(PENDING)} pending and ${fmt(APPROVED)} approved gallery items ` +
        `in ${fmt((performance.now() - seeded) / 1000, 1)}s`,
    );
    const [{ id: anItem }] =
      (await raw`select generation_id as id from gallery_items where state = 'approved' limit 1`) as unknown as [
        { id: string },
      ];
    const cases: [string, () => Promise<number>][] = [
      [
        'queue tab pending, first page (20)',
        async () => (await moderationQueue(deps, { tab: 'pending', limit: 20 })).items.length,
      ],
      [
        'queue tab reported, first page (20)',
        async () => (await moderationQueue(deps, { tab: 'reported', limit: 20 })).items.length,
      ],
      [
        'queue tab nsfw, first page (20)',
        async () => (await moderationQueue(deps, { tab: 'nsfw', limit: 20 })).items.length,
      ],
      [
        'queue tab pending, video (20)',
        async () =>
          (await moderationQueue(deps, { tab: 'pending', category: 'video', limit: 20 })).items.length,
      ],
      ['gallery feed first page (20)', async () => (await feed(deps, { limit: 20 })).items.length],
      [
        'gallery feed, video, first page (20)',
        async () => (await feed(deps, { category: 'video', limit: 20 })).items.length,
      ],
      ['gallery item page', async () => ((await galleryItem(deps, anItem)) ? 1 : 0)],
    ];
    console.log(`  latency over ${REQUESTS} sequential requests each (after ${WARMUP} warm-up), ms`);
    console.log(`    ${'case'.padEnd(40)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`);
    for (const [label, request] of cases) {
      const latencies = await measure(async () => {
        if ((await request()) === 0) throw new Error(`${label}: empty page`);
      });
      console.log(
        `    ${label.padEnd(40)} ${fmt(percentile(latencies, 50), 2).padStart(8)} ${fmt(percentile(latencies, 99), 2).padStart(8)}`,
      );
    }
  } finally {
    await raw.end();
    await app.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/** Users, generations with one output each, and their gallery items, in set-based statements. */
async function seed(sql: postgres.Sql): Promise<void> {
  const total = PENDING + APPROVED;
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local synchronous_commit = off`);
    await tx.unsafe(`
      insert into users (display_name)
      select 'Mod bench ' || lpad(n::text, 4, '0') from generate_series(1, ${USERS}) n`);
    await tx.unsafe(`
      insert into credit_accounts (kind, user_id) select 'personal', id from users where display_name like 'Mod bench %'`);
    await tx.unsafe(`
      create temp table bench_users on commit drop as
      select row_number() over (order by u.display_name) - 1 as n, u.id as user_id, a.id as account_id
      from users u join credit_accounts a on a.user_id = u.id where u.display_name like 'Mod bench %'`);
    // Item g: pending when g <= PENDING; every 10th NSFW; published over the last year.
    await tx.unsafe(`
      insert into generations
        (user_id, account_id, model_id, category, input, prompt, price, status, provider, nsfw,
         created_at, updated_at, finished_at)
      select u.user_id, u.account_id, 'fal-ai/flux-1/schnell', category, jsonb_build_object('prompt', prompt),
             prompt, 1, 'succeeded', 'demo', g % 10 = 0, at, at, at
      from (
        select g, g % ${USERS} as n, (array['image','image','image','video','audio'])[1 + g % 5] as category,
               'mod bench ' || g as prompt, now() - random() * interval '365 days' as at
        from generate_series(1, ${total}) g
      ) items
      join bench_users u using (n)`);
    await tx.unsafe(`
      insert into generation_outputs (generation_id, position, kind, storage_key, media_type, size, width, height, nsfw)
      select id, 0, 'image', 'outputs/' || id || '/0', 'image/png', 250000, 1024, 1024, nsfw
      from generations where prompt like 'mod bench %'`);
    await tx.unsafe(`
      insert into gallery_items (generation_id, user_id, category, nsfw, state, published_at, report_count)
      select id, user_id, category, nsfw,
             case when substr(prompt, 11)::int <= ${PENDING} then 'pending' else 'approved' end,
             created_at + random() * interval '1 day',
             case when substr(prompt, 11)::int % 20 = 0 then 2 else 0 end
      from generations where prompt like 'mod bench %'`);
    await tx.unsafe(`
      insert into gallery_reports (generation_id, reporter_user_id, category, reason)
      select gi.generation_id, u.user_id, (array['spam','hate'])[1 + k], ''
      from gallery_items gi cross join generate_series(0, 1) k
      join bench_users u on u.n = k
      where gi.report_count > 0`);
  });
  await sql.unsafe('vacuum analyze');
}

async function measure(request: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await request();
  const latencies: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    await request();
    latencies.push(performance.now() - t0);
  }
  return latencies;
}
