import type { DbOrTx } from '../../db/database';
import * as repo from './audit.repo';

export interface AuditEvent {
  id: number;
  actorUserId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Records who did what to which object and why; call inside the transaction that does it. */
export async function recordAudit(
  db: DbOrTx,
  event: {
    actorUserId: string | null;
    action: string;
    targetType: string;
    targetId: string;
    reason?: string | null;
    data?: Record<string, unknown>;
  },
): Promise<void> {
  await repo.insertAuditEvent(db, {
    actor_user_id: event.actorUserId,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    reason: event.reason ?? null,
    data: event.data ?? {},
  });
}

/** Newest-first page of the audit log: who did what, to which object, when and why; searchable. */
export async function listAudit(
  db: DbOrTx,
  opts: {
    beforeId?: number;
    limit?: number;
    targetType?: string;
    targetId?: string;
    actorUserId?: string;
    action?: string;
    query?: string;
  } = {},
): Promise<{ events: AuditEvent[]; nextCursor: number | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const rows = await repo.listAuditEvents(db, { ...opts, limit });
  return {
    events: rows.map((r) => ({
      id: r.id,
      actorUserId: r.actor_user_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      reason: r.reason,
      data: r.data,
      createdAt: r.created_at,
    })),
    nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
  };
}
