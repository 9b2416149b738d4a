import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { GenerationCategory } from '../core/src/db/types';
import { MODEL_CATALOG } from '../core/src/domain/catalog/catalog.data';
import { feed } from '../core/src/domain/gallery/gallery.service';
import { listHistoryPage, type Page } from '../core/src/domain/history/history.service';
import { createLocalStore } from '../core/src/storage';
import { type BenchDatabase, fmt, percentile } from './support';

const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 1_000_000);
const USERS = 1_000;
const HOT_ITEMS = Math.round(GENERATIONS / 10);
const REQUESTS = 300;
const WARMUP = 30;
const PAGE = 10;

const POSITION = `to_char(%s at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The bare page queries, shaped like the ones the repositories send ($2/$3 the keyset position). */
const HISTORY_SQL = (category: boolean) => `
  select *, ${POSITION.replace('%s', 'created_at')} as position_at from generations
  where user_id = $1 and deleted_at is null and ${category ? 'category = $4' : "category <> 'lora'"}
    and (created_at, id) < ($2::text::timestamptz, $3::uuid)
  order by created_at desc, id desc limit ${PAGE + 1}`;
const FEED_SQL = (category: boolean) => `
  select g.*, ${POSITION.replace('%s', 'gi.published_at')} as position_at, u.display_name as author_name
  from gallery_items gi join generations g on g.id = gi.generation_id join users u on u.id = gi.user_id
  where gi.state = 'approved' and g.deleted_at is null ${category ? 'and gi.category = $3' : ''}
    and (gi.published_at, gi.generation_id) < ($1::text::timestamptz, $2::uuid)
  order by gi.published_at desc, gi.generation_id desc limit ${PAGE + 1}`;

/**
 * History and gallery pages over 1,000,000 generations (1,000 users, one hot user with 100,000, ~20% in
 * the gallery): the services (page query + outputs + gallery state + URL signing on a real local store)
 * next to the bare page query through postgres.js, sequential requests, page 3 reached by cursor.
 */
export async function benchHistory(bench: BenchDatabase): Promise<void> {
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
    const hotUserId = await seed(raw);
    console.log(
      `history: seeded ${fmt(GENERATIONS)} generations, ${fmt(USERS)} users (hot user ${fmt(HOT_ITEMS)}), ` +
        `${fmt(await count(raw, "select count(*) from gallery_items where state = 'approved'"))} approved ` +
        `gallery items in ${fmt((performance.now() - seeded) / 1000, 1)}s`,
    );

    const historyCursor = async (category?: 'video') => {
      let page = await listHistoryPage(deps, hotUserId, { category, limit: PAGE });
      page = await listHistoryPage(deps, hotUserId, { category, limit: PAGE, cursor: page.nextCursor! });
      return page.nextCursor!;
    };
    const feedCursor = async (category?: 'video') => {
      let page = await feed(deps, { category, limit: PAGE });
      page = await feed(deps, { category, limit: PAGE, cursor: page.nextCursor! });
      return page.nextCursor!;
    };

    const cases: {
      label: string;
      service: () => Promise<Page<unknown>>;
      sql: string;
      params: (string | number)[];
    }[] = [];
    for (const category of [undefined, 'video'] as const) {
      const cursor = await historyCursor(category);
      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
      cases.push({
        label: `history page 3, hot user${category ? `, ${category}` : ''}`,
        service: () => listHistoryPage(deps, hotUserId, { category, limit: PAGE, cursor }),
        sql: HISTORY_SQL(category !== undefined),
        params: category ? [hotUserId, at, id, category] : [hotUserId, at, id],
      });
    }
    for (const category of [undefined, 'video'] as const) {
      const cursor = await feedCursor(category);
      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
      cases.push({
        label: `gallery feed page 3${category ? `, ${category}` : ''}`,
        service: () => feed(deps, { category, limit: PAGE, cursor }),
        sql: FEED_SQL(category !== undefined),
        params: category ? [at, id, category] : [at, id],
      });
    }

    console.log(
      `  plans (EXPLAIN ANALYZE with the page-3 values; GENERIC_PLAN is what a prepared statement may use)`,
    );
    for (const c of cases) {
      const custom = await explain(raw, `explain (analyze, buffers, format json) ${c.sql}`, c.params);
      const generic = await explainGeneric(raw, c.sql, c.params);
      console.log(`    ${c.label}`);
      console.log(`      ${custom}`);
      console.log(`      generic: ${generic}`);
    }

    console.log(`  latency over ${REQUESTS} sequential requests each (after ${WARMUP} warm-up), ms`);
    console.log(
      `    ${'case'.padEnd(36)} ${'service p50/p99'.padStart(18)} ${'bare SQL p50/p99'.padStart(18)}  ratio p50`,
    );
    for (const c of cases) {
      const service = await measure(async () => {
        const page = await c.service();
        if (page.items.length !== PAGE) throw new Error(`${c.label}: short page (${page.items.length})`);
      });
      const bare = await measure(async () => {
        const rows = await raw.unsafe(c.sql, c.params, { prepare: true });
        if (rows.length !== PAGE + 1) throw new Error(`${c.label}: bare SQL returned ${rows.length} rows`);
      });
      const s50 = percentile(service, 50);
      const b50 = percentile(bare, 50);
      console.log(
        `    ${c.label.padEnd(36)} ${`${fmt(s50, 2)} / ${fmt(percentile(service, 99), 2)}`.padStart(18)} ` +
          `${`${fmt(b50, 2)} / ${fmt(percentile(bare, 99), 2)}`.padStart(18)}  ${fmt(s50 / b50, 1)}x`,
      );
    }
    console.log(
      "  (the service also loads the page's outputs and gallery state and signs one URL per output)",
    );
  } finally {
    await raw.end();
    await app.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

/** Seeds users, generations, one output each and the gallery in a few set-based statements. */
export async function seed(sql: postgres.Sql): Promise<string> {
  // Item g: the first HOT_ITEMS belong to user 1 (the hot one), the rest go round-robin over the others.
  const categories = [
    'image',
    'image',
    'image',
    'image',
    'image',
    'image',
    'video',
    'video',
    'music',
    '3d',
    'audio',
  ];
  const categoryOf = `(array[${categories.map((c) => `'${c}'`).join(', ')}])[1 + g % ${categories.length}]`;
  const byCategory = (pick: (c: Exclude<GenerationCategory, 'lora'>) => string) =>
    `case category ${(['image', 'video', 'music', '3d', 'audio'] as const).map((c) => `when '${c}' then '${pick(c)}'`).join(' ')} end`;
  const model = (c: GenerationCategory) =>
    MODEL_CATALOG.find((m) => m.category === c)?.id ?? 'fal-ai/flux-1/schnell';
  const kinds = { image: 'image', video: 'video', music: 'audio', audio: 'audio', '3d': 'model3d' } as const;
  const types = {
    image: 'image/png',
    video: 'video/mp4',
    music: 'audio/mpeg',
    audio: 'audio/mpeg',
    '3d': 'model/gltf-binary',
  };
  const hot = await sql.begin(async (tx) => {
    await tx.unsafe(`set local synchronous_commit = off`);
    await tx.unsafe(`
      insert into users (display_name)
      select 'Bench ' || lpad(n::text, 4, '0') from generate_series(1, ${USERS}) n`);
    await tx.unsafe(`
      insert into credit_accounts (kind, user_id) select 'personal', id from users where display_name like 'Bench %'`);
    await tx.unsafe(`
      create temp table bench_users on commit drop as
      select row_number() over (order by u.display_name) as n, u.id as user_id, a.id as account_id
      from users u join credit_accounts a on a.user_id = u.id where u.display_name like 'Bench %'`);
    // created_at is spread over a year, microseconds included.
    await tx.unsafe(`
      insert into generations
        (user_id, account_id, model_id, category, input, prompt, price, status, provider,
         created_at, updated_at, finished_at)
      select u.user_id, u.account_id, ${byCategory(model)}, category, jsonb_build_object('prompt', prompt),
             prompt, 1, 'succeeded', 'demo', at, at, at
      from (
        select g, case when g <= ${HOT_ITEMS} then 1 else 2 + g % ${USERS - 1} end as n,
               ${categoryOf} as category, 'bench item ' || g as prompt,
               now() - random() * interval '365 days' as at
        from generate_series(1, ${GENERATIONS}) g
      ) items
      join bench_users u using (n)`);
    await tx.unsafe(`
      insert into generation_outputs (generation_id, position, kind, storage_key, media_type, size, width, height)
      select id, 0, ${byCategory((c) => kinds[c])}, 'outputs/' || id || '/0', ${byCategory((c) => types[c])},
             250000, 1024, 1024
      from generations where prompt like 'bench item %'`);
    await tx.unsafe(`
      insert into gallery_items (generation_id, user_id, category, state, published_at)
      select id, user_id, category, 'approved', created_at + random() * interval '1 day'
      from generations where prompt like 'bench item %' and random() < 0.2`);
    const [row] = await tx.unsafe(`select user_id from bench_users where n = 1`);
    return row!.user_id as string;
  });
  await sql.unsafe('vacuum analyze');
  return hot;
}

async function count(sql: postgres.Sql, query: string): Promise<number> {
  const [row] = await sql.unsafe(query);
  return Number(row!.count);
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Relation Name'?: string;
  'Actual Total Time'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** The plan as one line: node types down the tree, with the index each scan uses. */
async function explain(sql: postgres.Sql, query: string, params: (string | number)[]): Promise<string> {
  const [row] = await sql.unsafe(query, params);
  const plan = (row!['QUERY PLAN'] as { Plan: PlanNode; 'Execution Time'?: number }[])[0]!;
  const describe = (node: PlanNode): string => {
    // The driving scan's condition shows whether the keyset comparison is an index bound or a filter.
    const cond =
      node['Index Cond'] && !node['Index Name']?.endsWith('_pkey') ? ` [${node['Index Cond']}]` : '';
    const self = node['Index Name']
      ? `${node['Node Type']} using ${node['Index Name']}${cond}`
      : node['Relation Name']
        ? `${node['Node Type']} on ${node['Relation Name']}`
        : node['Node Type'];
    const children = node.Plans ?? [];
    return children.length === 0 ? self : `${self} (${children.map(describe).join(', ')})`;
  };
  const top = plan.Plan;
  const timing =
    plan['Execution Time'] !== undefined
      ? `  [${fmt(plan['Execution Time'], 3)} ms, ${top['Shared Hit Blocks'] ?? 0} buffers hit, ${top['Shared Read Blocks'] ?? 0} read]`
      : '';
  return `${describe(top)}${timing}`;
}

/**
 * The plan a prepared statement gets when PostgreSQL plans it once for any values. EXPLAIN
 * (GENERIC_PLAN) needs PostgreSQL 16; before that, prepare it and EXPLAIN EXECUTE it with
 * plan_cache_mode forced to generic, which shows the same plan on every version.
 */
async function explainGeneric(
  sql: postgres.Sql,
  query: string,
  params: (string | number)[],
): Promise<string> {
  const conn = await sql.reserve();
  try {
    await conn.unsafe('set plan_cache_mode = force_generic_plan');
    await conn.unsafe(`prepare bench_generic as ${query}`);
    const literals = params.map((p) => `'${String(p).replaceAll("'", "''")}'`).join(', ');
    return await explain(conn, `explain (format json) execute bench_generic(${literals})`, []);
  } finally {
    await conn.unsafe('deallocate bench_generic').catch(() => {});
    await conn.unsafe('reset plan_cache_mode').catch(() => {});
    conn.release();
  }
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
