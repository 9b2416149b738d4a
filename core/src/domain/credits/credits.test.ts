import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../../test/support/db';
import { fund, makeTeam, makeUser } from '../../../../test/support/factories';
import { isAppError } from '../../errors';
import { setTeamPolicy } from '../accounts/team-policy.service';
import {
  adjustCredits,
  captureHold,
  getBalance,
  getMemberUsage,
  type HoldRequest,
  holdCredits,
  listLedger,
  releaseHold,
  teamMemberSpend,
} from './credits.service';
import { reconcileLedger } from './reconcile';

const t = useTestDatabase({ max: 40 });

const hold = (req: Omit<HoldRequest, 'idempotencyKey' | 'reference'> & { key?: string }) =>
  t.db
    .transaction()
    .execute((tx) =>
      holdCredits(tx, { ...req, reference: `test:${randomUUID()}`, idempotencyKey: req.key ?? randomUUID() }),
    );

async function entryCount(accountId: string): Promise<number> {
  const { entries } = await listLedger(t.db, accountId, { limit: 200 });
  return entries.length;
}

describe('credit holds under concurrency', () => {
  it('64 concurrent clients asking 1.6x the balance: exactly the balance is held, nothing goes negative', async () => {
    const balance = 40;
    const { user, accountId } = await makeUser(t.db, { credits: balance });
    const clients = Array.from({ length: 4 }, () => t.connect(16));
    const attempts = Math.round(balance * 1.6);
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        clients[i % clients.length]!.db.transaction().execute((tx) =>
          holdCredits(tx, {
            accountId,
            userId: user.id,
            amount: 1,
            reference: `r${i}`,
            idempotencyKey: `k-${accountId}-${i}`,
          }),
        ),
      ),
    );
    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected');
    expect(succeeded).toBe(balance);
    expect(refused).toHaveLength(attempts - balance);
    for (const r of refused)
      expect(isAppError((r as PromiseRejectedResult).reason, 'INSUFFICIENT_CREDITS')).toBe(true);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 0, held: balance });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('64 concurrent holds of different sizes on one team pool never overspend', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 500 });
    const { user } = await makeUser(t.db);
    const amounts = Array.from({ length: 64 }, (_, i) => (i % 7) + 10); // 10..16, sum > 800
    const results = await Promise.allSettled(
      amounts.map((amount) => hold({ accountId, userId: user.id, amount })),
    );
    const heldTotal = amounts.reduce(
      (sum, amount, i) => sum + (results[i]!.status === 'fulfilled' ? amount : 0),
      0,
    );
    const after = await getBalance(t.db, accountId);
    expect(after.held).toBe(heldTotal);
    expect(after.available).toBe(500 - heldTotal);
    expect(after.available).toBeLessThan(Math.min(...amounts));
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});

describe('resolving a hold', () => {
  it('captures once: a second capture, or a release after capture, writes nothing', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 10 });
    const h = await hold({ accountId, userId: user.id, amount: 4 });
    expect(await t.db.transaction().execute((tx) => captureHold(tx, h.id))).toBe(true);
    const entriesAfterCapture = await entryCount(accountId);
    expect(await t.db.transaction().execute((tx) => captureHold(tx, h.id))).toBe(false);
    expect(await t.db.transaction().execute((tx) => releaseHold(tx, h.id, 'late failure'))).toBe(false);
    expect(await entryCount(accountId)).toBe(entriesAfterCapture);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 6, held: 0 });
  });

  it('a capture after release writes no entry and the credits stay returned', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 10 });
    const h = await hold({ accountId, userId: user.id, amount: 4 });
    expect(await t.db.transaction().execute((tx) => releaseHold(tx, h.id, 'provider failed'))).toBe(true);
    const entries = await entryCount(accountId);
    expect(await t.db.transaction().execute((tx) => captureHold(tx, h.id))).toBe(false);
    expect(await entryCount(accountId)).toBe(entries);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 10, held: 0 });
  });

  it('20 concurrent captures and releases of one hold resolve it exactly once', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 10 });
    const h = await hold({ accountId, userId: user.id, amount: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.transaction().execute((tx) => (i % 2 ? captureHold(tx, h.id) : releaseHold(tx, h.id, 'race'))),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('the same idempotency key twice holds once and returns the same hold', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 10 });
    const key = randomUUID();
    const [a, b] = await Promise.all([
      hold({ accountId, userId: user.id, amount: 2, key }),
      hold({ accountId, userId: user.id, amount: 2, key }),
    ]);
    expect(a.id).toBe(b.id);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 8, held: 2 });
  });
});

describe('the ledger', () => {
  it('refuses UPDATE and DELETE of entries', async () => {
    const { accountId } = await makeUser(t.db, { credits: 5 });
    await expect(
      t.db
        .updateTable('credit_entries')
        .set({ reason: 'tampered' })
        .where('account_id', '=', accountId)
        .execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.deleteFrom('credit_entries').where('account_id', '=', accountId).execute(),
    ).rejects.toThrow(/append-only/);
    expect(await entryCount(accountId)).toBe(1);
  });

  it('an adjustment with the same idempotency key applies once', async () => {
    const { user, accountId } = await makeUser(t.db);
    const adjust = () =>
      t.db.transaction().execute((tx) =>
        adjustCredits(tx, {
          accountId,
          delta: 25,
          idempotencyKey: 'support-ticket-1',
          actorUserId: user.id,
          reason: 'goodwill',
        }),
      );
    expect((await adjust()).applied).toBe(true);
    expect((await adjust()).applied).toBe(false);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 25 });
  });

  it('a downward adjustment larger than the balance is refused and changes nothing', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 5 });
    await expect(
      t.db.transaction().execute((tx) =>
        adjustCredits(tx, {
          accountId,
          delta: -6,
          idempotencyKey: randomUUID(),
          actorUserId: user.id,
          reason: 'x',
        }),
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 5 });
    expect(await entryCount(accountId)).toBe(1);
  });

  it('reconcile reports a balance that does not match the ledger', async () => {
    const { accountId } = await makeUser(t.db, { credits: 5 });
    // Simulate corruption of the cached balance (the ledger itself cannot be edited).
    await t.db.updateTable('credit_accounts').set({ available: 7 }).where('id', '=', accountId).execute();
    const problems = await reconcileLedger(t.db);
    expect(problems).toContainEqual(
      expect.objectContaining({ check: 'balance equals ledger', subject: accountId }),
    );
    await t.db.updateTable('credit_accounts').set({ available: 5 }).where('id', '=', accountId).execute();
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});

describe('team policy', () => {
  it('a non-member is refused when only listed members may spend, and nothing is held', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 100 });
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    const outsider = await makeUser(t.db);
    await setTeamPolicy(t.db, {
      accountId,
      actorUserId: admin.user.id,
      reason: 'only the design team',
      spenders: 'listed_members',
      listedSpenders: [member.user.id],
    });
    await expect(hold({ accountId, userId: outsider.user.id, amount: 5 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 100, held: 0 });
    await hold({ accountId, userId: member.user.id, amount: 5 });
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 95, held: 5 });
  });

  it('a member over the monthly cap is refused and nothing is held; a release gives the cap back', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 100 });
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    await setTeamPolicy(t.db, {
      accountId,
      actorUserId: admin.user.id,
      reason: 'budget',
      memberMonthlyCap: 10,
    });
    const first = await hold({ accountId, userId: member.user.id, amount: 8 });
    await expect(hold({ accountId, userId: member.user.id, amount: 3 })).rejects.toMatchObject({
      code: 'CAP_EXCEEDED',
      details: { cap: 10, used: 8, price: 3 },
    });
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 92, held: 8 });
    await t.db.transaction().execute((tx) => releaseHold(tx, first.id, 'failed'));
    expect(await getMemberUsage(t.db, accountId, member.user.id)).toBe(0);
    await hold({ accountId, userId: member.user.id, amount: 10 });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('concurrent spends by one member never pass the cap', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 1000 });
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    await setTeamPolicy(t.db, {
      accountId,
      actorUserId: admin.user.id,
      reason: 'budget',
      memberMonthlyCap: 30,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => hold({ accountId, userId: member.user.id, amount: 2 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(15);
    expect(await getMemberUsage(t.db, accountId, member.user.id)).toBe(30);
  });

  it('a model outside the allowed list is refused', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 100 });
    const admin = await makeUser(t.db);
    await setTeamPolicy(t.db, {
      accountId,
      actorUserId: admin.user.id,
      reason: 'cheap models only',
      allowedModels: ['fal-ai/flux-1/schnell'],
    });
    await expect(
      hold({ accountId, userId: admin.user.id, amount: 5, modelId: 'fal-ai/veo3' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await hold({ accountId, userId: admin.user.id, amount: 5, modelId: 'fal-ai/flux-1/schnell' });
    const audit = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_events where target_id = ${accountId}`.execute(t.db);
    expect(audit.rows[0]?.n).toBe(1);
  });
});

describe('what the pool that paid tells the member', () => {
  it('an empty pool refuses saying the team pool was the payer; an own balance says personal', async () => {
    const team = await makeTeam(t.db, { credits: 0 });
    const member = await makeUser(t.db, { credits: 0 });
    await expect(
      hold({ accountId: team.accountId, userId: member.user.id, amount: 3 }),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      details: { price: 3, available: 0, accountKind: 'team' },
    });
    await expect(
      hold({ accountId: member.accountId, userId: member.user.id, amount: 3 }),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      details: { price: 3, available: 0, accountKind: 'personal' },
    });
    expect(await getBalance(t.db, team.accountId)).toMatchObject({ available: 0, held: 0 });
  });

  it('each member’s own captured spend this month, with the cap when the pool has one', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 100 });
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    const spend = async (userId: string, amount: number) => {
      const h = await hold({ accountId, userId, amount });
      await t.db.transaction().execute((tx) => captureHold(tx, h.id));
    };
    await spend(member.user.id, 4);
    expect(await teamMemberSpend(t.db, accountId, member.user.id)).toEqual({ spent: 4, cap: null });
    await setTeamPolicy(t.db, {
      accountId,
      actorUserId: admin.user.id,
      reason: 'budget',
      memberMonthlyCap: 50,
    });
    await spend(member.user.id, 6);
    await spend(admin.user.id, 9);
    // Running work is not spent yet.
    await hold({ accountId, userId: member.user.id, amount: 5 });
    expect(await teamMemberSpend(t.db, accountId, member.user.id)).toEqual({ spent: 10, cap: 50 });
    expect(await teamMemberSpend(t.db, accountId, admin.user.id)).toEqual({ spent: 9, cap: 50 });
    expect(await teamMemberSpend(t.db, member.accountId, member.user.id)).toBeNull();
  });
});

it('funding helper and balance agree (sanity of the fixture)', async () => {
  const { accountId } = await makeUser(t.db);
  await fund(t.db, accountId, 7);
  expect(await getBalance(t.db, accountId)).toMatchObject({ available: 7, held: 0 });
});
