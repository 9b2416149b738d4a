import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';

// Queries only. Days are UTC calendar days, as 'YYYY-MM-DD'.

const day = (column: string) =>
  sql<string>`to_char(date_trunc('day', ${sql.ref(column)} at time zone 'UTC'), 'YYYY-MM-DD')`;

/** Per day since `since`: credits bought, refunded (clawed back), spent (captured) and granted. */
export async function creditTotalsPerDay(db: DbOrTx, since: Date) {
  const rows = await db
    .selectFrom('credit_entries')
    .select([
      day('created_at').as('day'),
      sql<string>`coalesce(sum(amount) filter (where kind = 'purchase'), 0)`.as('sold'),
      sql<string>`coalesce(-sum(amount) filter (where kind = 'refund'), 0)`.as('refunded'),
      sql<string>`coalesce(-sum(amount) filter (where kind = 'capture'), 0)`.as('spent'),
      sql<string>`coalesce(sum(amount) filter (where kind in ('grant', 'starter')), 0)`.as('granted'),
    ])
    .where('created_at', '>=', since)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({
    day: r.day,
    sold: Number(r.sold),
    refunded: Number(r.refunded),
    spent: Number(r.spent),
    granted: Number(r.granted),
  }));
}

/** Per day since `since`, category and status: how many generations were asked for. */
export async function generationCountsPerDay(db: DbOrTx, since: Date) {
  const rows = await db
    .selectFrom('generations')
    .select([day('created_at').as('day'), 'category', 'status', (eb) => eb.fn.countAll<string>().as('count')])
    .where('created_at', '>=', since)
    .groupBy([sql`1`, 'category', 'status'])
    .orderBy(sql`1`)
    .orderBy('category')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({ day: r.day, category: r.category, status: r.status, count: Number(r.count) }));
}

/** Unfinished generations per status, with the oldest one's creation time. */
export async function activeGenerations(db: DbOrTx) {
  const rows = await db
    .selectFrom('generations')
    .select([
      'status',
      (eb) => eb.fn.countAll<string>().as('count'),
      (eb) => eb.fn.min('created_at').as('oldest'),
    ])
    .where('status', 'in', ['queued', 'submitted', 'processing'])
    .groupBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.count), oldest: r.oldest as Date | null }));
}
