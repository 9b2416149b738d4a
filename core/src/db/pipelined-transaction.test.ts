import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../test/support/db';
import { pipelinedTransaction } from './database';

// A pipelined transaction lets independent work share one transaction without waiting on each
// other's answers. It must still be one transaction: all or nothing, on one connection, each
// statement seeing what was sent before it.

const t = useTestDatabase({ max: 4 });

async function makeTable(name: string): Promise<void> {
  await sql.raw(`create table ${name} (n int primary key)`).execute(t.db);
}

const rowsOf = async (name: string) =>
  (await sql.raw<{ n: number }>(`select n from ${name} order by n`).execute(t.db)).rows.map((r) => r.n);

describe('pipelinedTransaction', () => {
  it('runs concurrent statements on one connection, in one transaction, and commits them together', async () => {
    await makeTable('pipe_commit');
    const { pids, inserted } = await pipelinedTransaction(t.db, async (tx) => {
      const pids = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
          return rows[0]!.pid;
        }),
      );
      const inserted = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          tx
            .insertInto('pipe_commit' as never)
            .values({ n } as never)
            .execute(),
        ),
      );
      // Another connection sees nothing before the commit.
      expect(await rowsOf('pipe_commit')).toEqual([]);
      return { pids, inserted };
    });
    expect(new Set(pids).size).toBe(1);
    expect(inserted).toHaveLength(20);
    expect(await rowsOf('pipe_commit')).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('a statement sees what was sent before it, even before that one was answered', async () => {
    await makeTable('pipe_order');
    const counts = await pipelinedTransaction(t.db, async (tx) => {
      const first = sql`insert into pipe_order values (1)`.execute(tx);
      const seen = sql<{ c: number }>`select count(*)::int as c from pipe_order`.execute(tx);
      await first;
      return (await seen).rows[0]!.c;
    });
    expect(counts).toBe(1);
  });

  it('one failed statement rolls every statement back, the first one sent included', async () => {
    await makeTable('pipe_rollback');
    await sql`insert into pipe_rollback values (7)`.execute(t.db);
    const attempt = pipelinedTransaction(t.db, async (tx) => {
      await Promise.all([
        sql`insert into pipe_rollback values (1)`.execute(tx),
        sql`insert into pipe_rollback values (2)`.execute(tx),
        // A duplicate key: the transaction is aborted, and so is everything in it.
        sql`insert into pipe_rollback values (7)`.execute(tx),
        sql`insert into pipe_rollback values (3)`.execute(tx),
      ]);
    });
    await expect(attempt).rejects.toMatchObject({ code: '23505' });
    expect(await rowsOf('pipe_rollback')).toEqual([7]);
  });

  it('work that throws rolls back what it wrote, and the connection is usable afterwards', async () => {
    await makeTable('pipe_throw');
    const attempt = pipelinedTransaction(t.db, async (tx) => {
      await sql`insert into pipe_throw values (1)`.execute(tx);
      throw new Error('changed my mind');
    });
    await expect(attempt).rejects.toThrow('changed my mind');
    expect(await rowsOf('pipe_throw')).toEqual([]);
    // Every connection of the pool (4) comes back clean: none is left inside a transaction.
    const states = await Promise.all(
      Array.from({ length: 8 }, () =>
        pipelinedTransaction(t.db, async (tx) => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pipe_throw`.execute(tx);
          return rows[0]!.n;
        }),
      ),
    );
    expect(states).toEqual(Array(8).fill(0));
  });
});
