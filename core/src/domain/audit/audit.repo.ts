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

export function listAuditEvents(
  db: DbOrTx,
  opts: { beforeId?: number; limit: number; targetType?: string; targetId?: string },
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
  return query.execute();
}
