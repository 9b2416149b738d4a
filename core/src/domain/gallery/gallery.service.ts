import type { Config } from '../../config';
import type { Db } from '../../db/database';
import type { GalleryState, ReportCategory } from '../../db/types';
import { AppError } from '../../errors';
import type { ObjectStore } from '../../storage';
import { recordAudit } from '../audit/audit.service';
import { type GenerationView, toGenerationViews } from '../generation/generation-view';
import { revokeOutputLinks } from '../generation/output-keys';
import {
  decodeCursor,
  type HistoryCategory,
  type Page,
  pageSize,
  splitPage,
} from '../history/history.service';
import * as repo from './gallery.repo';

export interface GalleryDeps {
  db: Db;
  storage: ObjectStore;
  config: Pick<Config, 'galleryAutoApprove'>;
}

/** Reports (from distinct users, since the last approval) that take an approved item back to review. */
export const REPORT_THRESHOLD = 3;
/** Reasons shown per item in the moderation queue. */
const QUEUE_REPORTS_PER_ITEM = 5;

/** Why a visitor reports an item; 'other' needs their own words. */
export const REPORT_CATEGORIES = [
  'sexual',
  'violence',
  'hate',
  'illegal',
  'spam',
  'other',
] as const satisfies readonly ReportCategory[];

/** The moderation queue's tabs: awaiting review, reported by users, flagged NSFW by the provider. */
export type QueueTab = 'pending' | 'reported' | 'nsfw';

export type ModerationAction = 'approve' | 'hide' | 'remove';
const STATE_FOR: Record<ModerationAction, GalleryState> = {
  approve: 'approved',
  hide: 'hidden',
  remove: 'removed',
};

export interface GalleryEntry {
  id: string;
  state: GalleryState;
  publishedAt: Date;
}

/** A public feed item: the generation and who made it by name; no account ids of other people. */
export type FeedItem = Omit<GenerationView, 'userId' | 'spaceId'> & { authorName: string };

export interface QueueItem extends GenerationView {
  authorName: string;
  /** Open reports (since the last approval); an item reported many times is still one row. */
  reportCount: number;
  /** Every report of the item, counted per reason. */
  reasons: { category: ReportCategory; count: number }[];
  latestReports: { category: ReportCategory; details: string | null; createdAt: Date }[];
  moderation: { at: Date; by: string | null; reason: string | null } | null;
}

/**
 * Puts one of the user's finished generations in the gallery: visible at once when auto-approve is on,
 * else after review. NSFW outputs and items moderation took down before always wait for review.
 * Publishing again is a no-op; an item a moderator removed stays removed.
 */
export async function publish(
  deps: GalleryDeps,
  userId: string,
  generationId: string,
): Promise<GalleryEntry> {
  const item = await deps.db.transaction().execute(async (tx) => {
    const generation = await repo.lockOwnGenerationForPublish(tx, userId, generationId);
    if (!generation) throw AppError.notFound('Generation');
    if (generation.status !== 'succeeded') {
      throw AppError.invalidInput('Only finished generations can be published');
    }
    const existing = await repo.lockGalleryItem(tx, generationId);
    if (existing?.state === 'removed') {
      throw AppError.forbidden('A moderator removed this item from the gallery');
    }
    if (existing) return existing;
    const nsfw = generation.nsfw || (await repo.hasNsfwOutput(tx, generationId));
    const needsReview =
      !deps.config.galleryAutoApprove ||
      nsfw ||
      // Unpublishing deletes the item and its reports; without this, unpublish + publish would undo a hold.
      (await repo.wasHeldBefore(tx, generationId));
    return repo.insertGalleryItem(tx, {
      generation_id: generationId,
      user_id: userId,
      category: generation.category,
      nsfw,
      state: needsReview ? 'pending' : 'approved',
    });
  });
  return { id: item.generation_id, state: item.state, publishedAt: item.published_at };
}

/** Takes one of the user's items out of the gallery; idempotent. A removed item keeps its moderation record. */
export async function unpublish(
  deps: GalleryDeps,
  userId: string,
  generationId: string,
): Promise<{ id: string; state: GalleryState | null }> {
  const result = await deps.db.transaction().execute(async (tx) => {
    const generation = await repo.lockOwnGenerationForPublish(tx, userId, generationId);
    if (!generation) throw AppError.notFound('Generation');
    const existing = await repo.lockGalleryItem(tx, generationId);
    if (existing?.state === 'removed') return { id: generationId, state: 'removed' as const };
    if (existing) await repo.deleteGalleryItem(tx, generationId);
    return { id: generationId, state: null };
  });
  // Links the feed handed out stop working now, not when their signature expires.
  await revokeOutputLinks(deps, [generationId]);
  return result;
}

/** The public gallery, newest first, optionally one category. */
export async function feed(
  deps: GalleryDeps,
  opts: { category?: HistoryCategory; cursor?: string; limit?: number } = {},
): Promise<Page<FeedItem>> {
  const limit = pageSize(opts.limit);
  const before = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const fetched = await repo.listFeedRows(deps.db, { category: opts.category, before, limit: limit + 1 });
  const { rows, nextCursor } = splitPage(fetched, limit);
  const views = await toGenerationViews(deps.db, deps.storage, rows);
  const items = views.map(({ userId: _user, spaceId: _space, ...view }, i) => ({
    ...view,
    authorName: rows[i]!.author_name,
  }));
  return { items, nextCursor };
}

/**
 * One item of the public gallery (its page, and the Open Graph preview of a shared link): only while
 * it is approved, so a hidden or removed item is NOT_FOUND at once.
 */
export async function galleryItem(deps: GalleryDeps, generationId: string): Promise<FeedItem> {
  const row = await repo.findFeedRow(deps.db, generationId);
  if (!row) throw AppError.notFound('Gallery item');
  const [view] = await toGenerationViews(deps.db, deps.storage, [row]);
  const { userId: _user, spaceId: _space, ...visible } = view!;
  return { ...visible, authorName: row.author_name };
}

/**
 * Reports a gallery item. One report per user and item (a repeat changes nothing). Reaching
 * REPORT_THRESHOLD takes an approved item out of the feed for review, audited as the system's act.
 */
export async function report(
  deps: GalleryDeps,
  reporterUserId: string,
  input: { id: string; category: ReportCategory; details?: string },
): Promise<{ id: string; reported: true }> {
  const generationId = input.id;
  const details = input.details?.trim() ?? '';
  if (input.category === 'other' && details.length < 3) {
    throw AppError.invalidInput('Say what is wrong', { details: ['required when the reason is "other"'] });
  }
  const heldForReview = await deps.db.transaction().execute(async (tx) => {
    const item = await repo.lockGalleryItem(tx, generationId);
    if (!item || item.state === 'removed') throw AppError.notFound('Gallery item');
    const added = await repo.insertReport(tx, {
      generation_id: generationId,
      reporter_user_id: reporterUserId,
      category: input.category,
      reason: details,
    });
    if (!added) return false;
    const counted = await repo.incrementReportCount(tx, generationId);
    if (counted.state !== 'approved' || counted.report_count < REPORT_THRESHOLD) return false;
    const holdReason = `Held for review after ${counted.report_count} reports`;
    await repo.setGalleryState(tx, [generationId], {
      state: 'pending',
      moderatedBy: null,
      reason: holdReason,
    });
    await recordAudit(tx, {
      actorUserId: null,
      action: 'gallery.auto_hold',
      targetType: 'generation',
      targetId: generationId,
      reason: holdReason,
      data: { reportCount: counted.report_count },
    });
    return true;
  });
  if (heldForReview) await revokeOutputLinks(deps, [generationId]);
  return { id: generationId, reported: true };
}

/**
 * Approves, hides or removes up to 100 items in one transaction, each change audited with the reason.
 * Returns the resulting state per id, in the order given; unknown ids come back as `not_found`.
 */
export async function moderate(
  deps: GalleryDeps,
  actorUserId: string,
  input: { ids: readonly string[]; action: ModerationAction; reason: string },
): Promise<{ id: string; state: GalleryState | 'not_found' }[]> {
  const ids = [...new Set(input.ids)];
  if (ids.length === 0 || ids.length > 100) {
    throw AppError.invalidInput('Moderate 1 to 100 items at a time', { ids: ['1 to 100 ids'] });
  }
  const state = STATE_FOR[input.action];
  const found = await deps.db.transaction().execute(async (tx) => {
    const items = await repo.lockGalleryItems(tx, ids);
    const changed = items.filter((item) => item.state !== state).map((item) => item.generation_id);
    if (changed.length > 0) {
      await repo.setGalleryState(tx, changed, { state, moderatedBy: actorUserId, reason: input.reason });
    }
    for (const item of items) {
      if (item.state === state) continue;
      await recordAudit(tx, {
        actorUserId,
        action: `gallery.${input.action}`,
        targetType: 'generation',
        targetId: item.generation_id,
        reason: input.reason,
        data: { from: item.state, to: state, reportCount: item.report_count },
      });
    }
    return new Set(items.map((item) => item.generation_id));
  });
  // Anything no longer approved leaves the public eye at once, including links already handed out.
  if (state !== 'approved') await revokeOutputLinks(deps, [...found]);
  return input.ids.map((id) => ({ id, state: found.has(id) ? state : ('not_found' as const) }));
}

/**
 * A tab of the moderation queue (or, with `state`, every item in that state), oldest first, optionally
 * one category: one row per item with its open report count, reasons counted, and the latest reports.
 */
export async function moderationQueue(
  deps: GalleryDeps,
  opts: { tab?: QueueTab; state?: GalleryState; category?: HistoryCategory; cursor?: string; limit?: number },
): Promise<Page<QueueItem>> {
  const limit = pageSize(opts.limit);
  const after = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  const filter: repo.QueueFilter =
    opts.state && !opts.tab ? { state: opts.state } : { tab: opts.tab ?? 'pending' };
  const fetched = await repo.listQueueRows(deps.db, {
    filter,
    category: opts.category,
    after,
    limit: limit + 1,
  });
  const { rows, nextCursor } = splitPage(fetched, limit);
  const ids = rows.map((r) => r.id);
  const [views, reports, counts] = await Promise.all([
    toGenerationViews(deps.db, deps.storage, rows),
    ids.length > 0 ? repo.listLatestReports(deps.db, ids, QUEUE_REPORTS_PER_ITEM) : [],
    ids.length > 0 ? repo.countReportsByCategory(deps.db, ids) : [],
  ]);
  const items = views.map((view, i) => {
    const row = rows[i]!;
    return {
      ...view,
      authorName: row.author_name,
      reportCount: row.report_count,
      reasons: counts
        .filter((c) => c.generation_id === row.id)
        .map((c) => ({ category: c.category, count: c.count })),
      latestReports: reports
        .filter((r) => r.generation_id === row.id)
        .map((r) => ({ category: r.category, details: r.reason || null, createdAt: r.created_at })),
      moderation: row.moderated_at
        ? { at: row.moderated_at, by: row.moderated_by, reason: row.moderation_reason }
        : null,
    };
  });
  return { items, nextCursor };
}
