import type { Db } from '../../db/database';
import { recordAudit } from '../audit/audit.service';
import { addCredits, adjustCredits, type Balance } from '../credits/credits.service';

/**
 * An admin's grant (credits given, kind 'grant') or correction (up or down, kind 'adjustment'), with
 * the reason in the ledger and the audit log, in one transaction. The form's idempotency key makes a
 * double submission count once (and be audited once).
 */
export async function changeCreditsAsAdmin(
  db: Db,
  input: {
    accountId: string;
    delta: number;
    kind: 'grant' | 'adjustment';
    reason: string;
    idempotencyKey: string;
    actorUserId: string;
  },
): Promise<{ applied: boolean; balance: Balance }> {
  return db.transaction().execute(async (tx) => {
    const entry = {
      accountId: input.accountId,
      idempotencyKey: `admin:${input.idempotencyKey}`,
      actorUserId: input.actorUserId,
      reason: input.reason,
    };
    const result =
      input.kind === 'grant'
        ? await addCredits(tx, { ...entry, amount: input.delta, kind: 'grant' })
        : await adjustCredits(tx, { ...entry, delta: input.delta });
    if (result.applied) {
      await recordAudit(tx, {
        actorUserId: input.actorUserId,
        action: `credits.${input.kind === 'grant' ? 'grant' : 'adjust'}`,
        targetType: 'credit_account',
        targetId: input.accountId,
        reason: input.reason,
        data: { delta: input.delta },
      });
    }
    return result;
  });
}
