import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeFake } from '../../../../test/fakes/stripe/stripe-fake';
import { type Browser, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { changeCreditsAsAdmin } from '../admin/admin-credits.service';
import { reconcileLedger } from '../credits/reconcile';

const t = useTestDatabase();
const stripe = new StripeFake();
beforeAll(() => stripe.start());
afterAll(() => stripe.stop());
const core = useTestCore(t, () => stripe.env());
const unconfigured = useTestCore(t);

const webhook = () => `${core.app.url}/webhooks/stripe`;
/** The dashboard's side: the real SDK, pointed at the fake, as a support agent refunding would be. */
const dashboard = () => {
  const api = new URL(stripe.url);
  return new Stripe(stripe.secretKey, { host: api.hostname, port: Number(api.port), protocol: 'http' });
};

interface SignedIn {
  browser: Browser;
  userId: string;
}

/** A chat user who opened the bot's /buy link (optionally from a team chat, as its admin or not). */
async function signedInBuyer(
  opts: { space?: { id: string; name: string }; spaceAdmin?: boolean } = {},
): Promise<SignedIn> {
  const bot = await core.bot('discord', {
    userId: `buyer-${randomUUID()}`,
    userName: 'Bea Buyer',
    space: opts.space ? { ...opts.space, kind: 'guild' } : null,
  });
  const link = await bot.billing.link.mutate({ spaceAdmin: opts.spaceAdmin ?? false });
  const browser = core.browser();
  const token = new URL(link.url).searchParams.get('token') ?? '';
  const redeemed = await browser.client.auth.redeemSignInLink.mutate({ token });
  return { browser, userId: redeemed.user.id };
}

async function balance(who: SignedIn) {
  return (await who.browser.client.billing.overview.query()).personal.available;
}

async function buy(who: SignedIn, packId = 'starter', account: 'personal' | 'team' = 'personal') {
  return who.browser.client.billing.checkout.mutate({ packId, account, requestKey: randomUUID() });
}

describe('buying credits with Stripe Checkout', () => {
  it('shows the packs and balances, and opens a Checkout session with the pack and account in metadata', async () => {
    const who = await signedInBuyer();
    const overview = await who.browser.client.billing.overview.query();
    expect(overview).toMatchObject({ configured: true, team: null, personal: { available: 50 } });
    expect(overview.packs.map((p) => p.id)).toEqual(['starter', 'creator', 'studio']);

    const checkout = await buy(who, 'creator');
    expect(checkout.url).toBe(`${stripe.url}/pay/${checkout.sessionId}`);
    const session = stripe.sessions.get(checkout.sessionId)!;
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: 1000,
      currency: 'usd',
      client_reference_id: checkout.purchaseId,
      metadata: { purchase_id: checkout.purchaseId, pack_id: 'creator', user_id: who.userId },
      success_url: `${core.app.url}/billing/success?session_id=${checkout.sessionId}`,
    });
    expect(session.metadata.account_id).toBe(overview.personal.accountId);
  });

  it('a double-clicked Buy (same request key) opens one session, sent to Stripe with an idempotency key', async () => {
    const who = await signedInBuyer();
    const requestKey = randomUUID();
    const input = { packId: 'starter', account: 'personal' as const, requestKey };
    const [a, b] = await Promise.all([
      who.browser.client.billing.checkout.mutate(input),
      who.browser.client.billing.checkout.mutate(input),
    ]);
    expect(a.sessionId).toBe(b.sessionId);
    const sessions = [...stripe.sessions.values()].filter((s) => s.metadata.purchase_id === a.purchaseId);
    expect(sessions).toHaveLength(1);
  });

  it('the webhook arrives three times and out of order: the balance rises exactly once', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await buy(who);
    // A bank debit: the session completes unpaid, and the payment succeeds later.
    const completed = stripe.event('checkout.session.completed', stripe.pay(sessionId, { async: true }));
    expect((await stripe.deliver(webhook(), completed)).status).toBe(200);
    expect(await balance(who)).toBe(before);

    const succeeded = stripe.event('checkout.session.async_payment_succeeded', stripe.settleAsync(sessionId));
    for (const event of [succeeded, completed, succeeded, completed]) {
      expect((await stripe.deliver(webhook(), event)).status).toBe(200);
    }
    expect(await balance(who)).toBe(before + 500);
    const purchase = await who.browser.client.billing.purchase.query({ sessionId });
    expect(purchase).toMatchObject({ status: 'paid', credits: 500, amount: 500, currency: 'usd' });
    expect(purchase.receiptUrl).toBe(stripe.chargeOf(sessionId).receipt_url);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('trusts the API, not the payload: a stale "unpaid" snapshot of a paid session still credits it', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await buy(who);
    const stale = stripe.event('checkout.session.completed', { ...stripe.sessions.get(sessionId)! });
    stripe.pay(sessionId);
    await stripe.deliver(webhook(), stale);
    expect(await balance(who)).toBe(before + 500);
  });

  it('a Stripe error is a plain sentence; the same click can be retried and then works', async () => {
    const who = await signedInBuyer();
    const requestKey = randomUUID();
    stripe.failNextCheckout(400, {
      type: 'invalid_request_error',
      code: 'amount_too_small',
      message: 'Amount must convert to at least 50 cents.',
    });
    const refused = await trpcError(
      who.browser.client.billing.checkout.mutate({ packId: 'starter', requestKey }),
    );
    expect(refused).toMatchObject({
      appCode: 'PROVIDER_FAILED',
      message: 'Stripe could not open a checkout page; please try again',
      details: { stripe: 'StripeInvalidRequestError' },
    });
    const retried = await who.browser.client.billing.checkout.mutate({ packId: 'starter', requestKey });
    expect(stripe.sessions.get(retried.sessionId)?.metadata.purchase_id).toBe(retried.purchaseId);
  });

  it('an abandoned checkout expires without credits; its request key cannot be reused', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const requestKey = randomUUID();
    const { sessionId } = await who.browser.client.billing.checkout.mutate({ packId: 'starter', requestKey });
    expect(
      (await stripe.deliver(webhook(), stripe.event('checkout.session.expired', stripe.expire(sessionId))))
        .status,
    ).toBe(200);
    expect(await who.browser.client.billing.purchase.query({ sessionId })).toMatchObject({
      status: 'expired',
    });
    expect(await balance(who)).toBe(before);
    const again = await trpcError(
      who.browser.client.billing.checkout.mutate({ packId: 'starter', requestKey }),
    );
    expect(again).toMatchObject({ code: 'CONFLICT' });
  });

  it('lists my own purchases with receipts, and nobody else’s', async () => {
    const me = await signedInBuyer();
    const other = await signedInBuyer();
    const mine = await buy(me, 'studio');
    stripe.pay(mine.sessionId);
    await stripe.deliver(
      webhook(),
      stripe.event('checkout.session.completed', stripe.sessions.get(mine.sessionId)!),
    );
    await buy(other);
    const page = await me.browser.client.billing.purchases.query({});
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      packName: 'Studio',
      credits: 3000,
      status: 'paid',
      buyer: { userId: me.userId },
    });
    expect(page.items[0]?.receiptUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/receipts\//);
    expect(
      await trpcError(other.browser.client.billing.purchase.query({ sessionId: mine.sessionId })),
    ).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('purchases for admins', () => {
  it('an admin sees every purchase, newest first, filterable; a moderator cannot', async () => {
    const a = await signedInBuyer();
    const b = await signedInBuyer();
    const first = await buy(a, 'starter');
    const second = await buy(b, 'studio');
    stripe.pay(second.sessionId);
    await stripe.deliver(
      webhook(),
      stripe.event('checkout.session.completed', stripe.sessions.get(second.sessionId)!),
    );
    const admin = await core.web('admin');
    const all = await admin.client.admin.purchases.query({ limit: 50 });
    const ids = all.items.map((p) => p.id);
    expect(ids.indexOf(second.purchaseId)).toBeLessThan(ids.indexOf(first.purchaseId));
    expect(all.items.find((p) => p.id === second.purchaseId)).toMatchObject({
      status: 'paid',
      buyer: { userId: b.userId, name: 'Bea Buyer' },
      account: { kind: 'personal' },
    });
    const paid = await admin.client.admin.purchases.query({ status: 'paid', limit: 50 });
    expect(paid.items.every((p) => p.status === 'paid')).toBe(true);
    const page = await admin.client.admin.purchases.query({ limit: 1 });
    const next = await admin.client.admin.purchases.query({ limit: 1, cursor: page.nextCursor ?? undefined });
    expect(next.items[0]?.id).not.toBe(page.items[0]?.id);
    const mod = await core.web('moderator');
    expect(await trpcError(mod.client.admin.purchases.query({}))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('refunds and disputes', () => {
  async function paidPurchase(who: SignedIn, packId = 'starter') {
    const checkout = await buy(who, packId);
    stripe.pay(checkout.sessionId);
    await stripe.deliver(
      webhook(),
      stripe.event('checkout.session.completed', stripe.sessions.get(checkout.sessionId)!),
    );
    return checkout;
  }

  it('a refund claws the credits back, once, however often the event arrives', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await paidPurchase(who);
    expect(await balance(who)).toBe(before + 500);
    const charge = stripe.chargeOf(sessionId);
    await dashboard().refunds.create({ payment_intent: charge.payment_intent });
    const refunded = stripe.event('charge.refunded', charge);
    for (let i = 0; i < 3; i++) expect((await stripe.deliver(webhook(), refunded)).status).toBe(200);
    expect(await balance(who)).toBe(before);
    expect(await who.browser.client.billing.purchase.query({ sessionId })).toMatchObject({
      status: 'refunded',
      creditsClawedBack: 500,
      creditsUnrecovered: 0,
    });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('a partial refund takes back its share; a lost dispute takes the rest', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await paidPurchase(who, 'creator');
    const charge = stripe.chargeOf(sessionId);
    await dashboard().refunds.create({ charge: charge.id, amount: 250 });
    await stripe.deliver(webhook(), stripe.event('charge.refunded', charge));
    expect(await balance(who)).toBe(before + 1200 - 300);
    const dispute = stripe.loseDispute(charge.id);
    await stripe.deliver(webhook(), stripe.event('charge.dispute.closed', dispute));
    await stripe.deliver(webhook(), stripe.event('charge.dispute.closed', dispute));
    expect(await balance(who)).toBe(before);
    expect(await who.browser.client.billing.purchase.query({ sessionId })).toMatchObject({
      status: 'refunded',
      creditsClawedBack: 1200,
    });
  });

  it('never goes below zero: what was already spent is recorded and the account is flagged', async () => {
    const who = await signedInBuyer();
    const { sessionId } = await paidPurchase(who);
    const { personal } = await who.browser.client.billing.overview.query();
    // The buyer spends all but 100 credits.
    await changeCreditsAsAdmin(t.db, {
      accountId: personal.accountId,
      delta: -(personal.available - 100),
      kind: 'adjustment',
      reason: 'spent on generations',
      idempotencyKey: randomUUID(),
      actorUserId: who.userId,
    });
    const charge = stripe.chargeOf(sessionId);
    await dashboard().refunds.create({ payment_intent: charge.payment_intent });
    await stripe.deliver(webhook(), stripe.event('charge.refunded', charge));
    expect(await balance(who)).toBe(0);
    expect(await who.browser.client.billing.purchase.query({ sessionId })).toMatchObject({
      status: 'refunded',
      creditsClawedBack: 100,
      creditsUnrecovered: 400,
    });
    const account = await t.db
      .selectFrom('credit_accounts')
      .select(['flagged_at', 'flag_reason'])
      .where('id', '=', personal.accountId)
      .executeTakeFirstOrThrow();
    expect(account.flagged_at).not.toBeNull();
    expect(account.flag_reason).toBe('400 credits of a refunded purchase were already spent');
    const shortfalls = await t.db
      .selectFrom('credit_shortfalls')
      .selectAll()
      .where('account_id', '=', personal.accountId)
      .execute();
    expect(shortfalls.map((s) => s.amount)).toEqual([400]);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('a refund that overtakes the payment events credits first, then claws back: net zero', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await buy(who);
    const paid = stripe.pay(sessionId);
    const charge = stripe.chargeOf(sessionId);
    await dashboard().refunds.create({ payment_intent: charge.payment_intent });
    await stripe.deliver(webhook(), stripe.event('charge.refunded', charge));
    await stripe.deliver(webhook(), stripe.event('checkout.session.completed', paid));
    expect(await balance(who)).toBe(before);
    const entries = await who.browser.client.credits.ledger.query({});
    expect(
      entries.entries.filter((e) => e.kind === 'purchase' || e.kind === 'refund').map((e) => e.amount),
    ).toEqual([-500, 500]);
  });
});

describe('webhook signatures', () => {
  it('a bad signature, another secret or a replayed old signature gets 400 and changes nothing', async () => {
    const who = await signedInBuyer();
    const before = await balance(who);
    const { sessionId } = await buy(who);
    const event = stripe.event('checkout.session.completed', stripe.pay(sessionId));
    const forged = await stripe.deliver(webhook(), event, {
      signature: stripe.sign(event.body, { secret: 'whsec_wrong' }),
    });
    expect(forged.status).toBe(400);
    const tampered = await stripe.deliver(
      webhook(),
      { body: event.body.replace('"livemode":false', '"livemode":true') },
      { signature: stripe.sign(event.body) },
    );
    expect(tampered.status).toBe(400);
    const old = Math.floor(Date.now() / 1000) - 301;
    const replayed = await stripe.deliver(webhook(), event, {
      signature: stripe.sign(event.body, { timestamp: old }),
    });
    expect(replayed.status).toBe(400);
    const unsigned = await fetch(webhook(), { method: 'POST', body: event.body });
    expect(unsigned.status).toBe(400);
    expect(await balance(who)).toBe(before);
    expect(await who.browser.client.billing.purchase.query({ sessionId })).toMatchObject({ status: 'open' });
  });
});

describe('team pools', () => {
  it('a team admin buys for the pool; a member who is not an admin cannot, and nothing is opened', async () => {
    const space = { id: `guild-${randomUUID()}`, name: 'Studio Ghibli fans' };
    const admin = await signedInBuyer({ space, spaceAdmin: true });
    const member = await signedInBuyer({ space, spaceAdmin: false });
    const overview = await admin.browser.client.billing.overview.query();
    expect(overview.team).toMatchObject({ spaceName: 'Studio Ghibli fans', canBuy: true, balance: null });

    const sessionsBefore = stripe.sessions.size;
    const refused = await trpcError(buy(member, 'starter', 'team'));
    expect(refused).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Only an admin of Studio Ghibli fans can buy credits for its pool',
    });
    expect(stripe.sessions.size).toBe(sessionsBefore);

    const { sessionId } = await buy(admin, 'creator', 'team');
    await stripe.deliver(webhook(), stripe.event('checkout.session.completed', stripe.pay(sessionId)));
    const afterAdmin = await admin.browser.client.billing.overview.query();
    expect(afterAdmin.team?.balance?.available).toBe(1200);
    expect(afterAdmin.personal.available).toBe(50);
    // The member sees the pool grow, and can spend from it, but still cannot buy for it.
    const asMember = await member.browser.client.billing.overview.query();
    expect(asMember.team).toMatchObject({ canBuy: false, balance: { available: 1200 } });
    expect((await member.browser.client.credits.balance.query()).team?.available).toBe(1200);
  });

  it('buying for a pool needs a sign-in link from the team chat', async () => {
    const solo = await signedInBuyer();
    expect(await trpcError(buy(solo, 'starter', 'team'))).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('without STRIPE_SECRET_KEY', () => {
  it('says billing is not configured instead of failing', async () => {
    const bot = await unconfigured.bot('telegram', { userId: `u-${randomUUID()}` });
    const link = await bot.billing.link.mutate();
    const browser = unconfigured.browser();
    await browser.client.auth.redeemSignInLink.mutate({
      token: new URL(link.url).searchParams.get('token') ?? '',
    });
    const overview = await browser.client.billing.overview.query();
    expect(overview).toMatchObject({ configured: false, personal: { available: 50 } });
    const refused = await trpcError(
      browser.client.billing.checkout.mutate({ packId: 'starter', requestKey: randomUUID() }),
    );
    expect(refused).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Billing is not configured on this server',
    });
    const res = await fetch(`${unconfigured.app.url}/webhooks/stripe`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
  });

  it('an unknown pack is a clear field error', async () => {
    const who = await signedInBuyer();
    const refused = await trpcError(buy(who, 'platinum'));
    expect(refused).toMatchObject({ appCode: 'INVALID_INPUT', fieldErrors: { packId: ['unknown pack'] } });
  });
});
