import type { Db } from '../../db/database';
import type { GenerationCategory, GenerationStatus } from '../../db/types';
import { AppError } from '../../errors';
import type { ObjectStore } from '../../storage';
import * as galleryRepo from '../gallery/gallery.repo';
import { type GenerationView, toGenerationViews } from '../generation/generation-view';
import type { PagePosition } from './history.repo';
import * as repo from './history.repo';

export interface HistoryDeps {
  db: Db;
  storage: ObjectStore;
}

export type HistoryCategory = Exclude<GenerationCategory, 'lora'>;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 50;

/** Still running: deleting now would race the finalize step that writes the outputs. */
const ACTIVE: ReadonlySet<GenerationStatus> = new Set(['queued', 'submitted', 'processing']);

const POSITION_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A position timestamp that names a real instant PostgreSQL accepts (no month 13, no 31 February, no year 0). */
function isRealInstant(at: string): boolean {
  if (!POSITION_AT.test(at) || at.startsWith('0000')) return false;
  const millis = `${at.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

/** An opaque, URL-safe cursor for a keyset position (see decodeCursor). */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The keyset position in a cursor from encodeCursor; INVALID_INPUT for anything else. */
export function decodeCursor(cursor: string): PagePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'string' &&
    typeof parsed[1] === 'string' &&
    isRealInstant(parsed[0]) &&
    UUID.test(parsed[1])
  ) {
    return { at: parsed[0], id: parsed[1] };
  }
  throw AppError.invalidInput('This page link is not valid; start from the first page', {
    cursor: ['not a cursor from a previous page'],
  });
}

/** A page size within 1..MAX_PAGE_SIZE. */
export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
}

/** Splits `limit + 1` fetched rows into the page and the cursor after its last row (null when nothing follows). */
export function splitPage<R extends { id: string; position_at: string }>(
  rows: R[],
  limit: number,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.position_at, id: last.id }) : null,
  };
}

/** A page of the user's history, newest first, optionally one category; stable while new items arrive. */
export async function listHistoryPage(
  deps: HistoryDeps,
  userId: string,
  opts: { category?: HistoryCategory; cursor?: string; limit?: number } = {},
): Promise<Page<GenerationView>> {
  const limit = pageSize(opts.limit);
  const before = opts.cursor ? decodeCursor(opts.cursor) : undefined;
  // One row more than the page tells whether another page exists without a count.
  const fetched = await repo.listHistoryRows(deps.db, userId, {
    category: opts.category,
    before,
    limit: limit + 1,
  });
  const { rows, nextCursor } = splitPage(fetched, limit);
  return { items: await toGenerationViews(deps.db, deps.storage, rows), nextCursor };
}

/** One of the user's generations; NOT_FOUND for anyone else's, so ids reveal nothing. */
export async function showGeneration(deps: HistoryDeps, userId: string, id: string): Promise<GenerationView> {
  const row = await repo.findOwnGeneration(deps.db, userId, id);
  if (!row) throw AppError.notFound('Generation');
  const [view] = await toGenerationViews(deps.db, deps.storage, [row]);
  return view!;
}

/**
 * Deletes one of the user's finished generations: hidden from history, out of the gallery, bytes erased.
 * Refuses while it still runs; repeating it on a deleted item is fine (and retries erasing the bytes).
 */
export async function deleteGeneration(
  deps: HistoryDeps,
  userId: string,
  id: string,
): Promise<{ id: string; deleted: true }> {
  await deps.db.transaction().execute(async (tx) => {
    const row = await repo.lockOwnGeneration(tx, userId, id);
    if (!row) throw AppError.notFound('Generation');
    if (row.deleted_at) return;
    if (ACTIVE.has(row.status)) throw new AppError('CONFLICT', 'Wait until it finishes or cancel it');
    await repo.markGenerationDeleted(tx, id);
    await galleryRepo.deleteGalleryItem(tx, id);
  });
  // After the commit: the row is what users see, and a failure here is repaired by deleting again.
  await deps.storage.deletePrefix(`outputs/${id}/`);
  return { id, deleted: true };
}
