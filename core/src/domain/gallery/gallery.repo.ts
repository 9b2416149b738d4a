import { sql } from 'kysely';
import { compiledOnce } from '../../db/compiled-once';
import type { DbOrTx, Tx } from '../../db/database';
import type {
  GalleryItemRow,
  GalleryState,
  GenerationCategory,
  GenerationRow,
  ReportCategory,
} from '../../db/types';
import { viewRelations } from '../generation/generation.repo';
import {
  type PagePosition,
  type PageShape,
  pageShape,
  positionText,
  positionValue,
  readPageShape,
} from '../history/history.repo';

// Queries only. A gallery item is keyed by its generation id; `category` is copied from the generation
// so the feed's category index needs no join.

export type FeedRow = GenerationRow & { position_at: string; author_name: string };
export type QueueRow = FeedRow & {
  report_count: number;
  moderated_at: Date | null;
  moderated_by: string | null;
  moderation_reason: string | null;
};

/** The generation a user wants to publish, locked against a concurrent delete (owner's only). */
export function lockOwnGenerationForPublish(
  tx: Tx,
  userId: string,
  generationId: string,
): Promise<GenerationRow | undefined> {
  return tx
    .selectFrom('generations')
    .selectAll()
    .where('id', '=', generationId)
    .where('user_id', '=', userId)
    .where('category', '<>', 'lora')
    .where('deleted_at', 'is', null)
    .forShare()
    .executeTakeFirst();
}

export async function hasNsfwOutput(db: DbOrTx, generationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('generation_outputs')
    .select('id')
    .where('generation_id', '=', generationId)
    .where('nsfw', '=', true)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether moderation (a moderator or the report threshold) ever took this generation out of the feed. */
export async function wasHeldBefore(db: DbOrTx, generationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('audit_events')
    .select('id')
    .where('target_type', '=', 'generation')
    .where('target_id', '=', generationId)
    .where('action', 'in', ['gallery.hide', 'gallery.remove', 'gallery.auto_hold'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export function lockGalleryItem(tx: Tx, generationId: string): Promise<GalleryItemRow | undefined> {
  return tx
    .selectFrom('gallery_items')
    .selectAll()
    .where('generation_id', '=', generationId)
    .forUpdate()
    .executeTakeFirst();
}

/** Locks the items of a batch in id order, so two overlapping batches cannot deadlock. */
export function lockGalleryItems(tx: Tx, generationIds: readonly string[]): Promise<GalleryItemRow[]> {
  return tx
    .selectFrom('gallery_items')
    .selectAll()
    .where('generation_id', 'in', generationIds)
    .orderBy('generation_id')
    .forUpdate()
    .execute();
}

/** Inserts the item unless it exists; returns the row either way (a concurrent twin's row on a race). */
export async function insertGalleryItem(
  tx: Tx,
  item: {
    generation_id: string;
    user_id: string;
    category: GenerationCategory;
    nsfw: boolean;
    state: GalleryState;
  },
): Promise<GalleryItemRow> {
  const inserted = await tx
    .insertInto('gallery_items')
    .values(item)
    .onConflict((oc) => oc.column('generation_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return (
    inserted ??
    tx
      .selectFrom('gallery_items')
      .selectAll()
      .where('generation_id', '=', item.generation_id)
      .executeTakeFirstOrThrow()
  );
}

/** Takes the generation out of the gallery; its reports go with it (on delete cascade). */
export function deleteGalleryItem(tx: Tx, generationId: string) {
  return tx.deleteFrom('gallery_items').where('generation_id', '=', generationId).execute();
}

/** Records a report; false when this user already reported the item (one report per user). */
export async function insertReport(
  tx: Tx,
  report: { generation_id: string; reporter_user_id: string; category: ReportCategory; reason: string },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('gallery_reports')
    .values(report)
    .onConflict((oc) => oc.columns(['generation_id', 'reporter_user_id']).doNothing())
    .returning('generation_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export function incrementReportCount(tx: Tx, generationId: string) {
  return tx
    .updateTable('gallery_items')
    .set((eb) => ({ report_count: eb('report_count', '+', 1) }))
    .where('generation_id', '=', generationId)
    .returning(['report_count', 'state'])
    .executeTakeFirstOrThrow();
}

/** Sets the state of items (moderation or the report threshold); approving clears the open report count. */
export function setGalleryState(
  tx: Tx,
  generationIds: readonly string[],
  change: { state: GalleryState; moderatedBy: string | null; reason: string },
) {
  return tx
    .updateTable('gallery_items')
    .set({
      state: change.state,
      moderated_at: sql<Date>`now()`,
      moderated_by: change.moderatedBy,
      moderation_reason: change.reason,
      ...(change.state === 'approved' ? { report_count: 0 } : {}),
    })
    .where('generation_id', 'in', generationIds)
    .execute();
}

/** Gallery items with their generation, publishing position and author: what feed and queue rows start from. */
function itemsWithAuthor(db: DbOrTx) {
  return db
    .selectFrom('gallery_items as gi')
    .innerJoin('generations as g', 'g.id', 'gi.generation_id')
    .innerJoin('users as u', 'u.id', 'gi.user_id')
    .selectAll('g')
    .select([positionText('gi.published_at').as('position_at'), 'u.display_name as author_name']);
}

const feedPage = compiledOnce(
  (db, v: { category: string; at: string; id: string }, shape: PageShape) => {
    let query = itemsWithAuthor(db)
      .select(viewRelations('g'))
      // Written out, not bound: a plan made once for all values can only use the partial index
      // gallery_feed (where state = 'approved') when the statement itself says so.
      .where('gi.state', '=', sql.lit('approved'))
      .where('g.deleted_at', 'is', null);
    const { byCategory, after, limit } = readPageShape(shape);
    if (byCategory) query = query.where('gi.category', '=', v.category as GenerationCategory);
    if (after) {
      query = query.where(sql<boolean>`(gi.published_at, gi.generation_id) < ${positionValue(v)}`);
    }
    return query.orderBy('gi.published_at', 'desc').orderBy('gi.generation_id', 'desc').limit(sql.lit(limit));
  },
  { genericPlan: true },
);

/**
 * Approved items, newest first, strictly after `before`; served by gallery_feed /
 * gallery_feed_category. Compiled once per shape (see `compiledOnce`): every visitor reads it.
 */
export function listFeedRows(
  db: DbOrTx,
  opts: { category?: string; before?: PagePosition; limit: number },
): Promise<FeedRow[]> {
  return feedPage(db, pageShape(opts), {
    category: opts.category ?? '',
    at: opts.before?.at ?? '',
    id: opts.before?.id ?? '',
  }) as Promise<FeedRow[]>;
}

/** One approved, not deleted item of the public feed. */
export function findFeedRow(db: DbOrTx, generationId: string): Promise<FeedRow | undefined> {
  return itemsWithAuthor(db)
    .where('gi.generation_id', '=', generationId)
    .where('gi.state', '=', 'approved')
    .where('g.deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Which items a queue page shows: one tab, or every item in one state. */
export type QueueFilter = { tab: 'pending' | 'reported' | 'nsfw' } | { state: GalleryState };

/**
 * Queue items oldest first, strictly after `after`. Pending and state filters use gallery_queue,
 * reported items gallery_reported, NSFW items gallery_nsfw.
 */
export function listQueueRows(
  db: DbOrTx,
  opts: { filter: QueueFilter; category?: string; after?: PagePosition; limit: number },
): Promise<QueueRow[]> {
  let query = itemsWithAuthor(db).select([
    'gi.report_count',
    'gi.moderated_at',
    'gi.moderated_by',
    'gi.moderation_reason',
  ]);
  const { filter } = opts;
  if ('state' in filter) query = query.where('gi.state', '=', filter.state);
  else if (filter.tab === 'pending') query = query.where('gi.state', '=', 'pending');
  else if (filter.tab === 'reported') {
    query = query.where('gi.report_count', '>', 0).where('gi.state', 'in', ['pending', 'approved']);
  } else {
    query = query.where('gi.nsfw', '=', true).where('gi.state', '<>', 'removed');
  }
  if (opts.category) query = query.where('gi.category', '=', opts.category);
  if (opts.after) {
    query = query.where(sql<boolean>`(gi.published_at, gi.generation_id) > ${positionValue(opts.after)}`);
  }
  return query
    .orderBy('gi.published_at', 'asc')
    .orderBy('gi.generation_id', 'asc')
    .limit(opts.limit)
    .execute();
}

/** How many reports of each reason each item has. */
export async function countReportsByCategory(db: DbOrTx, generationIds: readonly string[]) {
  const rows = await db
    .selectFrom('gallery_reports')
    .select(['generation_id', 'category', (eb) => eb.fn.countAll<string>().as('count')])
    .where('generation_id', 'in', generationIds)
    .groupBy(['generation_id', 'category'])
    .orderBy('generation_id')
    .orderBy('category')
    .execute();
  return rows.map((r) => ({ generation_id: r.generation_id, category: r.category, count: Number(r.count) }));
}

/** The newest `perItem` reports of each item. */
export function listLatestReports(db: DbOrTx, generationIds: readonly string[], perItem: number) {
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('gallery_reports')
        .select([
          'generation_id',
          'category',
          'reason',
          'created_at',
          sql<number>`row_number() over (partition by generation_id order by created_at desc)`.as('rank'),
        ])
        .where('generation_id', 'in', generationIds)
        .as('r'),
    )
    .select(['r.generation_id', 'r.category', 'r.reason', 'r.created_at'])
    .where('r.rank', '<=', perItem)
    .orderBy('r.generation_id')
    .orderBy('r.created_at', 'desc')
    .execute();
}
