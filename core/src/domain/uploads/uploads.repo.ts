import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';
import type { UploadRow } from '../../db/types';
import type { UploadKind } from './upload-limits';

// Queries only. Every lookup is scoped to the owner: another user's id simply finds nothing.

export function insertUpload(
  db: DbOrTx,
  upload: {
    id: string;
    user_id: string;
    kind: UploadKind;
    storage_key: string;
    filename: string | null;
    declared_type: string;
    declared_size: number;
    url_expires_at: Date;
  },
): Promise<UploadRow> {
  return db.insertInto('uploads').values(upload).returningAll().executeTakeFirstOrThrow();
}

/** The user's upload unless it was deleted. */
export function findOwnUpload(db: DbOrTx, userId: string, uploadId: string): Promise<UploadRow | undefined> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('id', '=', uploadId)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Flips a pending upload to ready with what verification found; undefined when it was no longer pending. */
export function markReady(
  db: DbOrTx,
  uploadId: string,
  found: { mime: string; size: number; width: number | null; height: number | null; storage_key: string },
): Promise<UploadRow | undefined> {
  return db
    .updateTable('uploads')
    .set({ status: 'ready', ...found, completed_at: new Date() })
    .where('id', '=', uploadId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Flips a pending upload to rejected; undefined when it was no longer pending. */
export function markRejected(db: DbOrTx, uploadId: string, reason: string): Promise<UploadRow | undefined> {
  return db
    .updateTable('uploads')
    .set({ status: 'rejected', rejection_reason: reason, completed_at: new Date() })
    .where('id', '=', uploadId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Soft-deletes the user's upload; undefined when there was none to delete. */
export function softDelete(db: DbOrTx, userId: string, uploadId: string): Promise<UploadRow | undefined> {
  return db
    .updateTable('uploads')
    .set({ deleted_at: new Date() })
    .where('id', '=', uploadId)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Ready uploads newest first, keyset-paged by (created_at, id). The cursor is the id of the last row
 * seen; comparing against that row's own created_at in SQL keeps PostgreSQL's microseconds exact.
 */
export function listReady(
  db: DbOrTx,
  userId: string,
  opts: { kind?: UploadKind | undefined; afterId?: string | undefined; limit: number },
): Promise<UploadRow[]> {
  let query = db
    .selectFrom('uploads')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'ready')
    .where('deleted_at', 'is', null);
  if (opts.kind) query = query.where('kind', '=', opts.kind);
  if (opts.afterId) {
    const afterId = opts.afterId;
    query = query.where(
      (eb) => eb.refTuple('created_at', 'id'),
      '<',
      (eb) =>
        eb
          .selectFrom('uploads as c')
          .select(['c.created_at', 'c.id'])
          .where('c.id', '=', afterId)
          .where('c.user_id', '=', userId)
          .$asTuple('created_at', 'id'),
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** Whether an upload still waits for its bytes (deleted ones do not). */
export async function isPending(db: DbOrTx, userId: string, uploadId: string): Promise<boolean> {
  const row = await db
    .selectFrom('uploads')
    .select('id')
    .where('id', '=', uploadId)
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Bytes the user's live uploads take (announced size until verified). */
export async function sumUploadBytes(db: DbOrTx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('uploads')
    .select(sql<number>`coalesce(sum(coalesce(size, declared_size)), 0)::bigint`.as('bytes'))
    .where('user_id', '=', userId)
    .where('status', 'in', ['pending', 'ready'])
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}
