import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import postgres from 'postgres';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { createWebLogin, login } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { SESSION_COOKIE } from '../core/src/trpc/context';
import { ensureWebAppBuilt } from '../launcher/web-app-build';
import { type BenchDatabase, fmt, percentile } from './support';

const PENDING = Number(process.env.BENCH_PENDING_ITEMS ?? 100_000);
const APPROVED = Number(process.env.BENCH_APPROVED_ITEMS ?? 1_000_000);
const USERS = 1_000;
const REQUESTS = 300;
const WARMUP = 30;
const PAGE_LOADS = 20;
/** The page sizes the web app asks for (moderation.tsx and gallery.tsx). */
const PAGE = 24;

/**
 * The web app's two heaviest first pages, through a real core over HTTP (tRPC, superjson, session
 * cookie, signed media URLs): the moderation queue with 100,000 items pending review and the public
 * gallery with 1,000,000 approved items. Sequential requests; then the built moderation page loaded
 * in headless Chromium until the first card shows (cold profile each time, and warm).
 */
export async function benchWeb(bench: BenchDatabase): Promise<void> {
  await ensureWebAppBuilt((message) => console.log(`web: ${message}`));
  const raw = postgres(bench.url, { max: 2, onnotice: () => {} });
  const app = bench.open(10);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'atelier-bench-web-'));
  const core = await startCore({
    config: loadConfig({
      PORT: '0',
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    }),
    db: app.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
  });
  try {
    const seeded = performance.now();
    await seed(raw);
    console.log(
      `web: seeded ${fmt(PENDING)} pending and ${fmt(APPROVED)} approved gallery items over ${fmt(USERS)} users ` +
        `in ${fmt((performance.now() - seeded) / 1000, 1)}s`,
    );
    await createWebLogin(app.db, { username: 'bench-admin', password: 'bench password 123', role: 'admin' });
    const { token } = await login(app.db, 'bench-admin', 'bench password 123');
    const cookie = `${SESSION_COOKIE}=${token}`;

    const call = async (procedure: string, input: unknown, expected: number) => {
      const url = `${core.url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
      const res = await fetch(url, { headers: { cookie } });
      const body = (await res.json()) as { result?: { data: { json: { items: unknown[] } } } };
      const items = body.result?.data.json.items.length;
      if (res.status !== 200 || items !== expected)
        throw new Error(`${procedure}: ${res.status}, ${items} items`);
    };
    console.log(`  server, ${REQUESTS} sequential HTTP requests after ${WARMUP} warm-up, ms`);
    for (const [label, procedure, input] of [
      ['moderation queue, pending, first page', 'moderation.queue', { tab: 'pending', limit: PAGE }],
      [
        'moderation queue, pending images',
        'moderation.queue',
        { tab: 'pending', category: 'image', limit: PAGE },
      ],
      ['gallery feed, first page', 'gallery.feed', { limit: PAGE }],
      ['gallery feed, video, first page', 'gallery.feed', { category: 'video', limit: PAGE }],
    ] as const) {
      const latencies = await measure(() => call(procedure, input, PAGE));
      console.log(
        `    ${label.padEnd(40)} p50 ${fmt(percentile(latencies, 50), 2).padStart(6)}  ` +
          `p99 ${fmt(percentile(latencies, 99), 2).padStart(6)}  max ${fmt(Math.max(...latencies), 2)}`,
      );
    }

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const { hostname } = new URL(core.url);
      const load = async (context: Awaited<ReturnType<typeof browser.newContext>>) => {
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(`${core.url}/admin/moderation`);
        await page.locator('[data-card]').first().waitFor();
        const ms = performance.now() - started;
        const cards = await page.locator('[data-card]').count();
        if (cards !== PAGE) throw new Error(`moderation page showed ${cards} cards`);
        await page.close();
        return ms;
      };
      const cold: number[] = [];
      for (let i = 0; i < PAGE_LOADS; i++) {
        const context = await browser.newContext();
        await context.addCookies([{ name: SESSION_COOKIE, value: token, domain: hostname, path: '/' }]);
        cold.push(await load(context));
        await context.close();
      }
      const context = await browser.newContext();
      await context.addCookies([{ name: SESSION_COOKIE, value: token, domain: hostname, path: '/' }]);
      await load(context);
      const warm: number[] = [];
      for (let i = 0; i < PAGE_LOADS; i++) warm.push(await load(context));
      await context.close();
      console.log(
        `  Chromium: /admin/moderation from navigation to the first of ${PAGE} cards, ${PAGE_LOADS} loads, ms`,
      );
      console.log(
        `    cold profile   p50 ${fmt(percentile(cold, 50), 0).padStart(6)}  p99 ${fmt(percentile(cold, 99), 0).padStart(6)}`,
      );
      console.log(
        `    warm (cached)  p50 ${fmt(percentile(warm, 50), 0).padStart(6)}  p99 ${fmt(percentile(warm, 99), 0).padStart(6)}`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    await core.stop();
    await raw.end();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Users, succeeded image/video generations with one output each, and their gallery rows, set-based. */
async function seed(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe('set local synchronous_commit = off');
    await tx.unsafe(`
      insert into users (display_name)
      select 'Web bench ' || lpad(n::text, 4, '0') from generate_series(1, ${USERS}) n`);
    await tx.unsafe(`
      insert into credit_accounts (kind, user_id)
      select 'personal', id from users where display_name like 'Web bench %'`);
    await tx.unsafe(`
      create temp table bench_users on commit drop as
      select row_number() over (order by u.display_name) - 1 as n, u.id as user_id, a.id as account_id
      from users u join credit_accounts a on a.user_id = u.id where u.display_name like 'Web bench %'`);
    await tx.unsafe(`
      insert into generations
        (user_id, account_id, model_id, category, input, prompt, price, status, provider,
         created_at, updated_at, finished_at)
      select u.user_id, u.account_id, case when g % 5 = 0 then 'fal-ai/veo3' else 'fal-ai/flux-1/schnell' end,
             case when g % 5 = 0 then 'video' else 'image' end, jsonb_build_object('prompt', 'web bench ' || g),
             'web bench ' || g, 1, 'succeeded', 'demo', at, at, at
      from (select g, g % ${USERS} as n, now() - random() * interval '365 days' as at
            from generate_series(1, ${PENDING + APPROVED}) g) items
      join bench_users u using (n)`);
    await tx.unsafe(`
      insert into generation_outputs (generation_id, position, kind, storage_key, media_type, size, width, height)
      select id, 0, case when category = 'video' then 'video' else 'image' end, 'outputs/' || id || '/0',
             case when category = 'video' then 'video/mp4' else 'image/png' end, 250000, 1024, 1024
      from generations where prompt like 'web bench %'`);
    await tx.unsafe(`
      insert into gallery_items (generation_id, user_id, category, state, published_at)
      select id, user_id, category,
             case when row_number() over (order by id) <= ${PENDING} then 'pending' else 'approved' end,
             created_at + random() * interval '1 day'
      from generations where prompt like 'web bench %'`);
  });
  await sql.unsafe('vacuum analyze');
}

async function measure(request: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await request();
  const latencies: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await request();
    latencies.push(performance.now() - started);
  }
  return latencies;
}
