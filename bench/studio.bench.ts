import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import postgres from 'postgres';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { openLinkSession } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { SESSION_COOKIE } from '../core/src/trpc/context';
import { ensureWebAppBuilt } from '../launcher/web-app-build';
import { type BenchDatabase, fmt, percentile } from './support';

const ITEMS = Number(process.env.BENCH_STUDIO_ITEMS ?? 100_000);
const REQUESTS = 300;
const WARMUP = 30;
const PAGE_LOADS = 15;
/** The page size the studio's history asks for (history-panel.tsx). */
const PAGE = 30;

/**
 * The web studio for one user with 100,000 generations: history pages over HTTP (first page, a deep
 * keyset page, one category) through a real core, then the built /studio loaded in headless
 * Chromium until it is interactive (the form's Generate button enabled and the first history item
 * shown), with a cold profile each time and warm.
 */
export async function benchStudio(bench: BenchDatabase): Promise<void> {
  await ensureWebAppBuilt((message) => console.log(`studio: ${message}`));
  const raw = postgres(bench.url, { max: 2, onnotice: () => {} });
  const app = bench.open(10);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'atelier-bench-studio-'));
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
    const userId = await seed(raw);
    console.log(
      `studio: seeded ${fmt(ITEMS)} generations for one user in ${fmt((performance.now() - seeded) / 1000, 1)}s`,
    );
    const { token } = await openLinkSession(app.db, { userId, spaceId: null, spaceAdmin: false });
    const cookie = `${SESSION_COOKIE}=${token}`;

    const page = async (input: Record<string, unknown>) => {
      const url = `${core.url}/trpc/history.list?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
      const res = await fetch(url, { headers: { cookie } });
      const body = (await res.json()) as {
        result?: { data: { json: { items: unknown[]; nextCursor: string | null } } };
      };
      const data = body.result?.data.json;
      if (res.status !== 200 || data?.items.length !== PAGE) throw new Error(`history.list: ${res.status}`);
      return data.nextCursor;
    };
    let deep: string | null = null;
    for (let i = 0, cursor: string | null = null; i < 200; i++)
      cursor = deep = await page({ limit: PAGE, ...(cursor ? { cursor } : {}) });
    console.log(
      `  server: history.list at ${fmt(ITEMS)} items, ${REQUESTS} sequential HTTP requests after ${WARMUP} warm-up, ms`,
    );
    for (const [label, input] of [
      ['first page', { limit: PAGE }],
      ['page 201 (keyset cursor)', { limit: PAGE, cursor: deep }],
      ['first page, video only', { limit: PAGE, category: 'video' }],
    ] as const) {
      const latencies = await measure(() => page(input).then(() => undefined));
      console.log(
        `    ${label.padEnd(28)} p50 ${fmt(percentile(latencies, 50), 2).padStart(6)}  ` +
          `p99 ${fmt(percentile(latencies, 99), 2).padStart(6)}  max ${fmt(Math.max(...latencies), 2)}`,
      );
    }

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const { hostname } = new URL(core.url);
      const load = async (context: Awaited<ReturnType<typeof browser.newContext>>) => {
        const tab = await context.newPage();
        const started = performance.now();
        await tab.goto(`${core.url}/studio`);
        await tab.locator('form button[type="submit"]:not([disabled])').waitFor();
        await tab.locator('[aria-label="Your generations"] li[data-id]').first().waitFor();
        const ms = performance.now() - started;
        await tab.close();
        return ms;
      };
      const newContext = async () => {
        const context = await browser.newContext();
        await context.addCookies([{ name: SESSION_COOKIE, value: token, domain: hostname, path: '/' }]);
        return context;
      };
      const cold: number[] = [];
      for (let i = 0; i < PAGE_LOADS; i++) {
        const context = await newContext();
        cold.push(await load(context));
        await context.close();
      }
      const context = await newContext();
      await load(context);
      const warm: number[] = [];
      for (let i = 0; i < PAGE_LOADS; i++) warm.push(await load(context));
      await context.close();
      console.log(
        `  Chromium: /studio from navigation to interactive (form ready, history shown), ${PAGE_LOADS} loads, ms`,
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

/** One user with ITEMS succeeded generations (one output each, a fifth of them video), set-based. */
async function seed(sql: postgres.Sql): Promise<string> {
  return sql
    .begin(async (tx) => {
      await tx.unsafe('set local synchronous_commit = off');
      const [user] = await tx.unsafe<{ id: string }[]>(
        `insert into users (display_name) values ('Studio bench') returning id`,
      );
      const [account] = await tx.unsafe<{ id: string }[]>(
        `insert into credit_accounts (kind, user_id) values ('personal', '${user!.id}') returning id`,
      );
      await tx.unsafe(`
      insert into generations
        (user_id, account_id, model_id, category, input, prompt, price, status, provider, origin,
         created_at, updated_at, finished_at)
      select '${user!.id}', '${account!.id}', case when g % 5 = 0 then 'fal-ai/veo3' else 'fal-ai/flux-1/schnell' end,
             case when g % 5 = 0 then 'video' else 'image' end, jsonb_build_object('prompt', 'studio bench ' || g),
             'studio bench ' || g, 1, 'succeeded', 'demo', '{"platform":"telegram"}'::jsonb, at, at, at
      from (select g, now() - random() * interval '365 days' as at from generate_series(1, ${ITEMS}) g) items`);
      await tx.unsafe(`
      insert into generation_outputs (generation_id, position, kind, storage_key, media_type, size, width, height)
      select id, 0, case when category = 'video' then 'video' else 'image' end, 'outputs/' || id || '/0',
             case when category = 'video' then 'video/mp4' else 'image/png' end, 250000, 1024, 1024
      from generations where user_id = '${user!.id}'`);
      return user!.id;
    })
    .finally(() => sql.unsafe('vacuum analyze'));
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
