import type Stripe from 'stripe';
import type { Db } from '../../db/database';
import type { PurchaseRow } from '../../db/types';
import type { Logger } from '../../logger';
import { recordAudit } from '../audit/audit.service';
import { addCredits, flagAccount, removeUpTo } from '../credits/credits.service';
import * as repo from './billing.repo';

export interface StripeEventDeps {
  db: Db;
  stripe: Stripe;
  logger: Logger;
}

export type EventOutcome = 'credited' | 'clawed_back' | 'expired' | 'nothing_to_do' | 'ignored';

/**
 * Handles one verified Stripe event. As Stripe recommends, nothing in the payload is trusted beyond
 * its ids: the session, charge or dispute is read again from the API. Every step is idempotent, so
 * duplicates and out-of-order deliveries are safe (a refund that arrives before the payment's own
 * event credits the purchase first, then takes it back).
 */
export async function handleStripeEvent(deps: StripeEventDeps, event: Stripe.Event): Promise<EventOutcome> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return creditPaidSession(deps, event.data.object.id);
    case 'checkout.session.expired':
      return expireSession(deps, event.data.object.id);
    case 'charge.refunded':
      return clawBackCharge(deps, event.data.object.id, null);
    case 'charge.dispute.closed':
      return clawBackDispute(deps, event.data.object.id);
    default:
      return 'ignored';
  }
}

/** Credits a paid session's pack exactly once (the ledger key is the session id). */
export async function creditPaidSession(deps: StripeEventDeps, sessionId: string): Promise<EventOutcome> {
  const session = await deps.stripe.checkout.sessions.retrieve(sessionId);
  if (session.mode !== 'payment' || session.payment_status !== 'paid') return 'nothing_to_do';
  const purchase = await purchaseOfSession(deps.db, session);
  if (!purchase) {
    deps.logger.warn('stripe session without a purchase here', { sessionId });
    return 'ignored';
  }
  if (session.amount_total !== purchase.amount || session.currency !== purchase.currency) {
    deps.logger.error('stripe session amount does not match its purchase; not credited', {
      sessionId,
      purchaseId: purchase.id,
    });
    return 'ignored';
  }
  const paymentIntentId = idOf(session.payment_intent);
  const receiptUrl = paymentIntentId ? await receiptOf(deps.stripe, paymentIntentId) : null;
  const applied = await deps.db.transaction().execute(async (tx) => {
    const locked = await repo.lockPurchase(tx, purchase.id);
    if (!locked) return false;
    const { applied } = await addCredits(tx, {
      accountId: locked.account_id,
      amount: locked.credits,
      kind: 'purchase',
      idempotencyKey: `stripe:checkout:${session.id}`,
      actorUserId: locked.user_id,
      reason: `Bought ${locked.credits} credits`,
      externalRef: session.id,
    });
    if (applied) {
      await repo.markPaid(tx, locked.id, { sessionId: session.id, paymentIntentId, receiptUrl });
    }
    return applied;
  });
  return applied ? 'credited' : 'nothing_to_do';
}

async function expireSession(deps: StripeEventDeps, sessionId: string): Promise<EventOutcome> {
  const session = await deps.stripe.checkout.sessions.retrieve(sessionId);
  if (session.status !== 'expired') return 'nothing_to_do';
  const purchase = await purchaseOfSession(deps.db, session);
  if (!purchase) return 'ignored';
  await repo.markExpired(deps.db, purchase.id);
  return 'expired';
}

async function clawBackDispute(deps: StripeEventDeps, disputeId: string): Promise<EventOutcome> {
  const dispute = await deps.stripe.disputes.retrieve(disputeId);
  if (dispute.status !== 'lost') return 'nothing_to_do';
  return clawBackCharge(deps, idOf(dispute.charge) ?? '', dispute.id);
}

/**
 * Takes back the credits a refund (in proportion to the amount refunded) or a lost dispute (all of
 * them) no longer pays for. Never below zero: what the buyer already spent is recorded as a shortfall
 * and the account is flagged for an admin. Each purchase's claw-backs run one at a time (row lock)
 * and only ever take the difference to what is already recovered, so replays take nothing.
 */
async function clawBackCharge(
  deps: StripeEventDeps,
  chargeId: string,
  lostDisputeId: string | null,
): Promise<EventOutcome> {
  const charge = await deps.stripe.charges.retrieve(chargeId);
  const paymentIntentId = idOf(charge.payment_intent);
  if (!paymentIntentId) return 'ignored';
  let purchase = await repo.findPurchaseByPaymentIntent(deps.db, paymentIntentId);
  if (!purchase) {
    // The refund overtook the payment's own events: credit the purchase first.
    const intent = await deps.stripe.paymentIntents.retrieve(paymentIntentId);
    const known = intent.metadata.purchase_id
      ? await repo.findPurchase(deps.db, intent.metadata.purchase_id)
      : undefined;
    if (!known?.stripe_session_id) return 'ignored';
    await creditPaidSession(deps, known.stripe_session_id);
    purchase = await repo.findPurchaseByPaymentIntent(deps.db, paymentIntentId);
    if (!purchase) return 'ignored';
  }
  const refundedShare = charge.amount > 0 ? charge.amount_refunded / charge.amount : 0;
  const why = lostDisputeId ? `Lost dispute ${lostDisputeId}` : `Refund of charge ${charge.id}`;
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const locked = await repo.lockPurchase(tx, purchase.id);
    if (!locked || locked.status === 'open' || locked.status === 'expired') return 'nothing_to_do' as const;
    const target = lostDisputeId
      ? locked.credits
      : Math.min(locked.credits, Math.ceil(locked.credits * refundedShare));
    const owed = target - locked.credits_clawed_back - locked.credits_unrecovered;
    if (owed <= 0) return 'nothing_to_do' as const;
    const key = `stripe:clawback:${locked.id}:${target}`;
    const { taken } = await removeUpTo(tx, {
      accountId: locked.account_id,
      max: owed,
      kind: 'refund',
      idempotencyKey: key,
      reason: why,
      externalRef: lostDisputeId ?? charge.id,
    });
    const unrecovered = owed - taken;
    if (unrecovered > 0) {
      await repo.insertShortfall(tx, {
        account_id: locked.account_id,
        purchase_id: locked.id,
        amount: unrecovered,
        reason: why,
        idempotency_key: `${key}:shortfall`,
      });
      await flagAccount(
        tx,
        locked.account_id,
        `${unrecovered} credits of a ${lostDisputeId ? 'disputed' : 'refunded'} purchase were already spent`,
      );
    }
    await repo.recordClawback(tx, locked.id, {
      clawedBack: taken,
      unrecovered,
      status: target >= locked.credits ? 'refunded' : locked.status,
    });
    await recordAudit(tx, {
      actorUserId: null,
      action: lostDisputeId ? 'billing.dispute_lost' : 'billing.refund',
      targetType: 'credit_account',
      targetId: locked.account_id,
      reason: why,
      data: { purchaseId: locked.id, clawedBack: taken, unrecovered },
    });
    return 'clawed_back' as const;
  });
  return outcome;
}

async function purchaseOfSession(db: Db, session: Stripe.Checkout.Session): Promise<PurchaseRow | undefined> {
  const bySession = await repo.findPurchaseBySession(db, session.id);
  if (bySession) return bySession;
  // Core may have stopped between creating the session and saving its id: the metadata names the purchase.
  const purchaseId = session.metadata?.purchase_id;
  const byId =
    purchaseId && /^[0-9a-f-]{36}$/.test(purchaseId) ? await repo.findPurchase(db, purchaseId) : undefined;
  return byId && (byId.stripe_session_id === null || byId.stripe_session_id === session.id)
    ? byId
    : undefined;
}

async function receiptOf(stripe: Stripe, paymentIntentId: string): Promise<string | null> {
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  const chargeId = idOf(intent.latest_charge);
  if (!chargeId) return null;
  return (await stripe.charges.retrieve(chargeId)).receipt_url ?? null;
}

const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;
