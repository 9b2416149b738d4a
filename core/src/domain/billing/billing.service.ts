import Stripe from 'stripe';
import type { Config, CreditPack } from '../../config';
import type { Db } from '../../db/database';
import type { PurchaseStatus } from '../../db/types';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { ensureTeamAccount, personalAccountId, type Space, type User } from '../accounts/accounts.service';
import { type Balance, findTeamBalance, getBalance } from '../credits/credits.service';
import { decodeCursor, encodeCursor, type Page, pageSize } from '../history/history.service';
import * as repo from './billing.repo';

export interface BillingDeps {
  db: Db;
  logger: Logger;
  config: Pick<Config, 'creditPacks' | 'stripe'>;
  /** Null when STRIPE_SECRET_KEY is unset. */
  stripe: Stripe | null;
  baseUrl: string;
}

/** Who is buying: the signed-in user, the space their link was made in, and whether they administer it. */
export interface Buyer {
  user: User;
  space: Space | null;
  spaceAdmin: boolean;
}

export interface Purchase {
  id: string;
  packId: string;
  packName: string;
  credits: number;
  /** In the currency's smallest unit. */
  amount: number;
  currency: string;
  status: PurchaseStatus;
  account: { id: string; kind: 'personal' | 'team'; spaceName: string | null };
  buyer: { userId: string; name: string };
  receiptUrl: string | null;
  creditsClawedBack: number;
  creditsUnrecovered: number;
  createdAt: Date;
  paidAt: Date | null;
}

export interface BillingOverview {
  configured: boolean;
  packs: readonly CreditPack[];
  personal: Balance;
  /** The pool of the space the user signed in from, when it has one or they may create one. */
  team: { balance: Balance | null; spaceName: string; canBuy: boolean } | null;
}

const notConfigured = () =>
  new AppError('UNAVAILABLE', 'Billing is not configured on this server', { billing: 'not_configured' });

/** What the billing page shows: whether billing works, the packs, and the balances one may top up. */
export async function billingOverview(deps: BillingDeps, buyer: Buyer): Promise<BillingOverview> {
  const personal = await getBalance(deps.db, await personalAccountId(deps.db, buyer.user.id));
  let team: BillingOverview['team'] = null;
  if (buyer.space && buyer.space.kind !== 'dm') {
    const balance = await findTeamBalance(deps.db, buyer.space.id);
    if (balance || buyer.spaceAdmin) {
      team = {
        balance,
        spaceName: buyer.space.name,
        canBuy: buyer.spaceAdmin,
      };
    }
  }
  return { configured: deps.stripe !== null, packs: deps.config.creditPacks, personal, team };
}

/**
 * Opens a Stripe Checkout session (mode payment) for one pack, for the buyer's personal account or
 * for the pool of the space they signed in from (its admins only; the pool is created if needed).
 * The same `requestKey` returns the same session, and Stripe sees an idempotency key per purchase,
 * so a double-clicked button pays once.
 */
export async function startCheckout(
  deps: BillingDeps,
  buyer: Buyer,
  input: { packId: string; account: 'personal' | 'team'; requestKey: string },
): Promise<{ purchaseId: string; sessionId: string; url: string }> {
  const { stripe } = deps;
  if (!stripe) throw notConfigured();
  const pack = deps.config.creditPacks.find((p) => p.id === input.packId);
  if (!pack)
    throw AppError.invalidInput(`There is no pack called "${input.packId}"`, { packId: ['unknown pack'] });
  const accountId = await payingAccount(deps.db, buyer, input.account);

  const { purchase } = await deps.db.transaction().execute((tx) =>
    repo.insertPurchase(tx, {
      user_id: buyer.user.id,
      account_id: accountId,
      pack_id: pack.id,
      credits: pack.credits,
      amount: pack.price,
      currency: pack.currency,
      request_key: input.requestKey,
    }),
  );
  if (purchase.pack_id !== pack.id || purchase.account_id !== accountId) {
    throw new AppError('CONFLICT', 'This request key was already used for another purchase');
  }
  if (purchase.status !== 'open') {
    throw new AppError('CONFLICT', `This purchase is already ${purchase.status}; start a new one`);
  }
  if (purchase.stripe_session_id && purchase.checkout_url) {
    return { purchaseId: purchase.id, sessionId: purchase.stripe_session_id, url: purchase.checkout_url };
  }
  const session = await openCheckoutSession(deps, stripe, {
    purchaseId: purchase.id,
    pack,
    accountId,
    userId: buyer.user.id,
  });
  if (!session.url) throw new AppError('PROVIDER_FAILED', 'Stripe did not return a checkout page');
  await repo.setCheckoutSession(deps.db, purchase.id, { id: session.id, url: session.url });
  return { purchaseId: purchase.id, sessionId: session.id, url: session.url };
}

/** The Stripe side of a purchase; the idempotency key is the purchase, so a retry reuses the session. */
async function openCheckoutSession(
  deps: BillingDeps,
  stripe: Stripe,
  order: { purchaseId: string; pack: CreditPack; accountId: string; userId: string },
): Promise<Stripe.Checkout.Session> {
  const { pack } = order;
  const metadata = {
    purchase_id: order.purchaseId,
    pack_id: pack.id,
    account_id: order.accountId,
    user_id: order.userId,
  };
  try {
    return await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: pack.currency,
              unit_amount: pack.price,
              product_data: { name: `${pack.name}: ${pack.credits} Atelier credits` },
            },
          },
        ],
        client_reference_id: order.purchaseId,
        metadata,
        payment_intent_data: { metadata },
        success_url: `${deps.baseUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${deps.baseUrl}/billing/cancel`,
      },
      { idempotencyKey: `atelier-checkout:${order.purchaseId}` },
    );
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    // Stripe's own words stay in our log; the buyer gets a sentence and may click again.
    deps.logger.warn('stripe checkout failed', {
      purchaseId: order.purchaseId,
      type: error.type,
      code: error.code,
      message: error.message,
      requestId: error.requestId,
    });
    throw new AppError('PROVIDER_FAILED', 'Stripe could not open a checkout page; please try again', {
      stripe: error.type,
    });
  }
}

async function payingAccount(db: Db, buyer: Buyer, account: 'personal' | 'team'): Promise<string> {
  if (account === 'personal') return personalAccountId(db, buyer.user.id);
  if (!buyer.space || buyer.space.kind === 'dm') {
    throw AppError.invalidInput('Open the billing link from the team chat to buy for its pool', {
      account: ['no team space in this session'],
    });
  }
  if (!buyer.spaceAdmin) {
    throw AppError.forbidden(`Only an admin of ${buyer.space.name} can buy credits for its pool`);
  }
  return ensureTeamAccount(db, buyer.space.id);
}

/** One of the buyer's own purchases by Checkout session id (the success page waits on it). */
export async function getOwnPurchaseBySession(
  deps: BillingDeps,
  userId: string,
  sessionId: string,
): Promise<Purchase> {
  const row = await repo.findPurchaseBySession(deps.db, sessionId);
  if (!row || row.user_id !== userId) throw AppError.notFound('Purchase');
  const [listed] = await repo.listPurchaseRows(deps.db, { id: row.id, limit: 1 });
  if (!listed) throw AppError.notFound('Purchase');
  return toPurchase(deps, listed);
}

/** Purchases newest first: the buyer's own, one account's, or (for admins) everyone's. */
export async function purchaseHistory(
  deps: BillingDeps,
  opts: { userId?: string; accountId?: string; status?: PurchaseStatus; cursor?: string; limit?: number },
): Promise<Page<Purchase>> {
  const limit = pageSize(opts.limit);
  const rows = await repo.listPurchaseRows(deps.db, {
    userId: opts.userId,
    accountId: opts.accountId,
    status: opts.status,
    before: opts.cursor ? decodeCursor(opts.cursor) : undefined,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toPurchase(deps, r)),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.position_at, id: last.id }) : null,
  };
}

function toPurchase(deps: BillingDeps, r: repo.PurchaseListRow): Purchase {
  return {
    id: r.id,
    packId: r.pack_id,
    packName: deps.config.creditPacks.find((p) => p.id === r.pack_id)?.name ?? r.pack_id,
    credits: r.credits,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    account: { id: r.account_id, kind: r.account_kind, spaceName: r.space_name },
    buyer: { userId: r.user_id, name: r.buyer_name },
    receiptUrl: r.receipt_url,
    creditsClawedBack: r.credits_clawed_back,
    creditsUnrecovered: r.credits_unrecovered,
    createdAt: r.created_at,
    paidAt: r.paid_at,
  };
}
