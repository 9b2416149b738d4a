import type { DbOrTx } from '../../db/database';

// Queries only. The table is append-only (the database refuses UPDATE/DELETE).

export function insertAuditEvent(
  db: DbOrTx,
  event: {
    actor_user_id: string | null;
    action: string;
    target_type: string;
    target_id: string;
    reason: string | null;
    data: Record<string, unknown>;
  },
) {
  return db
    .insertInto('audit_events')
    .values(event)
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/**
 * Newest first, strictly before `beforeId` (keyset on the identity). `query` matches the action, the
 * target id, the reason or the actor's name (case-insensitive substring); `action` is a prefix
 * ('gallery.' for every moderation act).
 */
export function listAuditEvents(
  db: DbOrTx,
  opts: {
    beforeId?: number;
    limit: number;
    targetType?: string;
    targetId?: string;
    actorUserId?: string;
    action?: string;
    query?: string;
  },
) {
  let query = db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_user_id')
    .selectAll('audit_events')
    .select('users.display_name as actor_name')
    .orderBy('audit_events.id', 'desc')
    .limit(opts.limit);
  if (opts.beforeId !== undefined) query = query.where('audit_events.id', '<', opts.beforeId);
  if (opts.targetType) query = query.where('audit_events.target_type', '=', opts.targetType);
  if (opts.targetId) query = query.where('audit_events.target_id', '=', opts.targetId);
  if (opts.actorUserId) query = query.where('audit_events.actor_user_id', '=', opts.actorUserId);
  if (opts.action) query = query.where('audit_events.action', 'like', `${escapeLike(opts.action)}%`);
  if (opts.query) {
    const like = `%${escapeLike(opts.query)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('audit_events.action', 'ilike', like),
        eb('audit_events.target_id', 'ilike', like),
        eb('audit_events.reason', 'ilike', like),
        eb('users.display_name', 'ilike', like),
      ]),
    );
  }
  return query.execute();
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
