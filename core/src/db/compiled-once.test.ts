import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../test/support/db';
import { compiledOnce } from './compiled-once';

// A statement compiled once per shape must answer exactly as one built on every call would.

const t = useTestDatabase({ max: 2 });

describe('compiledOnce', () => {
  it('builds each shape once and binds every call its own values', async () => {
    await sql`create table co_items (n int primary key, tag text not null)`.execute(t.db);
    await sql`insert into co_items select n, case when n % 2 = 0 then 'even' else 'odd' end
      from generate_series(1, 20) n`.execute(t.db);
    const built: string[] = [];
    const items = compiledOnce(
      (db, v: { tag: string; below: number; limit: number }, shape: 'all' | 'tagged') => {
        built.push(shape);
        let query = db
          .selectFrom('co_items' as never)
          .select(sql<number>`n`.as('n'))
          .where(sql<boolean>`n < ${v.below}`);
        if (shape === 'tagged') query = query.where(sql<boolean>`tag = ${v.tag}`);
        return query.orderBy(sql`n`, 'desc').limit(v.limit);
      },
    );
    const ns = async (shape: 'all' | 'tagged', v: { tag: string; below: number; limit: number }) =>
      (await items(t.db, shape, v)).map((r) => r.n);

    expect(await ns('all', { tag: '', below: 10, limit: 3 })).toEqual([9, 8, 7]);
    expect(await ns('all', { tag: '', below: 5, limit: 10 })).toEqual([4, 3, 2, 1]);
    expect(await ns('tagged', { tag: 'even', below: 15, limit: 2 })).toEqual([14, 12]);
    expect(await ns('tagged', { tag: 'odd', below: 15, limit: 2 })).toEqual([13, 11]);
    // Inside a transaction too, with what the transaction wrote.
    const inTx = await t.db.transaction().execute(async (tx) => {
      await sql`insert into co_items values (-1, 'odd')`.execute(tx);
      return (await items(tx, 'tagged', { tag: 'odd', below: 0, limit: 5 })).map((r) => r.n);
    });
    expect(inTx).toEqual([-1]);
    expect(built).toEqual(['all', 'tagged']);
  });

  it('with genericPlan, runs where PostgreSQL plans it once for all values, except in a transaction', async () => {
    const setting = compiledOnce(
      (db, v: { name: string }, _shape: 'one') =>
        db.selectNoFrom([
          sql<string>`current_setting(${v.name})`.as('mode'),
          sql<number>`(select count(*)::int from users)`.as('users'),
        ]),
      { genericPlan: true },
    );
    const [outside] = await setting(t.db, 'one', { name: 'plan_cache_mode' });
    expect(outside).toEqual({ mode: 'force_generic_plan', users: 0 });
    const inside = await t.db.transaction().execute(async (tx) => {
      await tx.insertInto('users').values({ display_name: 'only in here' }).execute();
      return (await setting(tx, 'one', { name: 'plan_cache_mode' }))[0];
    });
    // The transaction's own connection: it sees its own write, and plans as the pool does.
    expect(inside).toEqual({ mode: 'auto', users: 1 });
  });

  it('refuses a builder that writes a value into the SQL text', async () => {
    const spliced = compiledOnce((db, v: { name: string }, _shape: 'one') =>
      db
        .selectFrom('users')
        .select('id')
        .where(sql<boolean>`display_name = ${sql.lit(v.name)}`),
    );
    await expect(spliced(t.db, 'one', { name: 'x' })).rejects.toThrow(/written into the SQL text/);
  });
});
