import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../db/database';
import type { PurchaseRow, PurchaseStatus } from '../../db/types';
import { type PagePosition, positionText, positionValue } from '../history/history.repo';

// Queries only. A purchase is one Checkout Session for one pack; its Stripe ids are unique.

export type PurchaseListRow = PurchaseRow & {
  position_at: string;
  buyer_name: string;
  account_kind: 'personal' | 'team';
  space_name: string | null;
};

/** Inserts a purchase unless the user already used this request key; returns the row either way. */
export async function insertPurchase(
  tx: Tx,
  row: {
    user_id: string;
    account_id: string;
    pack_id: string;
    credits: number;
    amount: number;
    currency: string;
    request_key: string;
  },
): Promise<{ purchase: PurchaseRow; created: boolean }> {
  const inserted = await tx
    .insertInto('purchases')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'request_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { purchase: inserted, created: true };
  const existing = await tx
    .selectFrom('purchases')
    .selectAll()
    .where('user_id', '=', row.user_id)
    .where('request_key', '=', row.request_key)
    .executeTakeFirstOrThrow();
  return { purchase: existing, created: false };
}

export function setCheckoutSession(db: DbOrTx, purchaseId: string, session: { id: string; url: string }) {
  return db
    .updateTable('purchases')
    .set({ stripe_session_id: session.id, checkout_url: session.url, updated_at: sql<Date>`now()` })
    .where('id', '=', purchaseId)
    .execute();
}

export function findPurchase(db: DbOrTx, purchaseId: string): Promise<PurchaseRow | undefined> {
  return db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirst();
}

export function findPurchaseBySession(db: DbOrTx, sessionId: string): Promise<PurchaseRow | undefined> {
  return db.selectFrom('purchases').selectAll().where('stripe_session_id', '=', sessionId).executeTakeFirst();
}

export function findPurchaseByPaymentIntent(
  db: DbOrTx,
  paymentIntentId: string,
): Promise<PurchaseRow | undefined> {
  return db
    .selectFrom('purchases')
    .selectAll()
    .where('payment_intent_id', '=', paymentIntentId)
    .executeTakeFirst();
}

/** Locks a purchase so its crediting and claw-backs happen one at a time. */
export function lockPurchase(tx: Tx, purchaseId: string): Promise<PurchaseRow | undefined> {
  return tx.selectFrom('purchases').selectAll().where('id', '=', purchaseId).forUpdate().executeTakeFirst();
}

export function markPaid(
  tx: Tx,
  purchaseId: string,
  paid: { sessionId: string; paymentIntentId: string | null; receiptUrl: string | null },
) {
  return tx
    .updateTable('purchases')
    .set({
      status: 'paid',
      stripe_session_id: paid.sessionId,
      payment_intent_id: paid.paymentIntentId,
      receipt_url: paid.receiptUrl,
      paid_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', purchaseId)
    .execute();
}

export function markExpired(db: DbOrTx, purchaseId: string) {
  return db
    .updateTable('purchases')
    .set({ status: 'expired', updated_at: sql<Date>`now()` })
    .where('id', '=', purchaseId)
    .where('status', '=', 'open')
    .execute();
}

export function recordClawback(
  tx: Tx,
  purchaseId: string,
  change: { clawedBack: number; unrecovered: number; status: PurchaseStatus },
) {
  return tx
    .updateTable('purchases')
    .set((eb) => ({
      credits_clawed_back: eb('credits_clawed_back', '+', change.clawedBack),
      credits_unrecovered: eb('credits_unrecovered', '+', change.unrecovered),
      status: change.status,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', purchaseId)
    .execute();
}

/** Records credits a claw-back could not take; false when this key was recorded before. */
export async function insertShortfall(
  tx: Tx,
  row: { account_id: string; purchase_id: string; amount: number; reason: string; idempotency_key: string },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('credit_shortfalls')
    .values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Newest first, strictly before `before`; for one buyer, one account, or everyone. */
export function listPurchaseRows(
  db: DbOrTx,
  opts: {
    id?: string;
    userId?: string;
    accountId?: string;
    status?: PurchaseStatus;
    before?: PagePosition;
    limit: number;
  },
): Promise<PurchaseListRow[]> {
  let query = db
    .selectFrom('purchases as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .innerJoin('credit_accounts as a', 'a.id', 'p.account_id')
    .leftJoin('spaces as s', 's.id', 'a.space_id')
    .selectAll('p')
    .select([
      positionText('p.created_at').as('position_at'),
      'u.display_name as buyer_name',
      'a.kind as account_kind',
      's.name as space_name',
    ]);
  if (opts.id) query = query.where('p.id', '=', opts.id);
  if (opts.userId) query = query.where('p.user_id', '=', opts.userId);
  if (opts.accountId) query = query.where('p.account_id', '=', opts.accountId);
  if (opts.status) query = query.where('p.status', '=', opts.status);
  if (opts.before) query = query.where(sql<boolean>`(p.created_at, p.id) < ${positionValue(opts.before)}`);
  return query.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(opts.limit).execute();
}
