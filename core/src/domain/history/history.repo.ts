import { type RawBuilder, sql } from 'kysely';
import { compiledOnce } from '../../db/compiled-once';
import type { DbOrTx, Tx } from '../../db/database';
import type { GenerationCategory, GenerationRow } from '../../db/types';
import { viewRelations } from '../generation/generation.repo';

// Queries only. History is the owner's own, non-deleted generations; LoRA trainings live in their own area.

/** A keyset position: the sort timestamp as UTC text with all six fractional digits, and the row id. */
export interface PagePosition {
  at: string;
  id: string;
}

/**
 * A timestamptz column as `2026-11-24T10:00:00.123456Z`. JS Dates keep milliseconds only; carrying the
 * database's own text into the cursor is what keeps pages from skipping or repeating rows.
 */
export function positionText(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * A keyset position as a SQL value. Bound as text on purpose: postgres.js serializes a parameter the server
 * types as timestamptz through a JS Date, which would drop the microseconds again.
 */
export function positionValue(position: PagePosition): RawBuilder<unknown> {
  return sql`(${position.at}::text::timestamptz, ${position.id}::uuid)`;
}

export type HistoryRow = GenerationRow & { position_at: string };

/**
 * A page's row count, checked, because it is written into the statement: with the limit bound as a
 * value, a plan made once for all values has to guess how many rows are wanted (a tenth of the
 * table), and for a big table it guesses a plan built for thousands of rows.
 */
export function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`a page limit must be a whole number from 1 to 1000, not ${limit}`);
  }
  return limit;
}

/** Which optional parts a keyset page statement has, and its size: one compiled statement each. */
export type PageShape = `${'all' | 'category'}:${'first' | 'after'}:${number}`;

/** The shape of a page request (see `compiledOnce`); the limit is checked, since it goes into the SQL. */
export function pageShape(opts: { category?: string; before?: PagePosition; limit: number }): PageShape {
  return `${opts.category ? 'category' : 'all'}:${opts.before ? 'after' : 'first'}:${pageLimit(opts.limit)}`;
}

/** What a page statement of this shape contains. */
export function readPageShape(shape: PageShape): { byCategory: boolean; after: boolean; limit: number } {
  const [filter, from, size] = shape.split(':');
  return { byCategory: filter === 'category', after: from === 'after', limit: Number(size) };
}

const historyPage = compiledOnce(
  (db, v: { userId: string; category: string; at: string; id: string }, shape: PageShape) => {
    let query = db
      .selectFrom('generations')
      .selectAll()
      .select([positionText('created_at').as('position_at'), ...viewRelations('generations')])
      .where('user_id', '=', v.userId)
      .where('deleted_at', 'is', null);
    const { byCategory, after, limit } = readPageShape(shape);
    query = byCategory
      ? query.where('category', '=', v.category as GenerationCategory)
      : query.where('category', '<>', sql.lit('lora'));
    if (after) {
      // Row-value comparison: one index range condition, and ties on created_at are ordered by id.
      query = query.where(sql<boolean>`(created_at, id) < ${positionValue(v)}`);
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(sql.lit(limit));
  },
  { genericPlan: true },
);

/**
 * One page, newest first, strictly after `before` in (created_at, id) order; served by
 * generations_history*. Compiled once per shape: this is the busiest read there is.
 */
export function listHistoryRows(
  db: DbOrTx,
  userId: string,
  opts: { category?: Exclude<GenerationCategory, 'lora'>; before?: PagePosition; limit: number },
): Promise<HistoryRow[]> {
  return historyPage(db, pageShape(opts), {
    userId,
    category: opts.category ?? '',
    at: opts.before?.at ?? '',
    id: opts.before?.id ?? '',
  });
}

/** The user's own history item (not deleted, not a LoRA training). */
export function findOwnGeneration(
  db: DbOrTx,
  userId: string,
  id: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<GenerationRow | undefined> {
  let query = db
    .selectFrom('generations')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('category', '<>', 'lora');
  if (!opts.includeDeleted) query = query.where('deleted_at', 'is', null);
  return query.executeTakeFirst();
}

/** Same as findOwnGeneration, deleted rows included, with the row locked until the transaction ends. */
export function lockOwnGeneration(tx: Tx, userId: string, id: string): Promise<GenerationRow | undefined> {
  return tx
    .selectFrom('generations')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('category', '<>', 'lora')
    .forUpdate()
    .executeTakeFirst();
}

export function markGenerationDeleted(tx: Tx, id: string) {
  return tx
    .updateTable('generations')
    .set({ deleted_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}
