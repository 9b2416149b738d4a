import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeTeam, makeUser } from '../../../../test/support/factories';
import { makeGeneration } from '../../../../test/support/generations';
import { joinSpace } from '../accounts/accounts.service';
import { addCredits, captureHold, holdCredits } from '../credits/credits.service';

const t = useTestDatabase();
const core = useTestCore(t);

async function spend(accountId: string, userId: string, amount: number, capture = true) {
  return t.db.transaction().execute(async (tx) => {
    const hold = await holdCredits(tx, {
      accountId,
      userId,
      amount,
      reference: `test:${randomUUID()}`,
      idempotencyKey: randomUUID(),
    });
    if (capture) await captureHold(tx, hold.id);
    return hold;
  });
}

describe('finding accounts', () => {
  it('by user name, identity (platform id or name), space name and space id, with linked identities', async () => {
    const marker = randomUUID().slice(0, 8);
    const { user, accountId, platformUserId } = await makeUser(t.db, {
      name: `Olga ${marker}`,
      platform: 'telegram',
    });
    const { space, accountId: teamId } = await makeTeam(t.db);
    await t.db
      .updateTable('spaces')
      .set({ name: `Guild ${marker}` })
      .where('id', '=', space.id)
      .execute();
    const mod = await core.web('moderator');
    const search = (query: string) => mod.client.admin.searchAccounts.query({ query });

    const byName = await search(`olga ${marker}`);
    expect(byName).toEqual([
      expect.objectContaining({
        accountId,
        kind: 'personal',
        userId: user.id,
        identities: [{ platform: 'telegram', platformUserId, displayName: `Olga ${marker}` }],
        flagged: false,
      }),
    ]);
    expect((await search(platformUserId)).map((r) => r.accountId)).toEqual([accountId]);
    expect((await search(`Guild ${marker}`)).map((r) => r.accountId)).toEqual([teamId]);
    expect((await search(space.platformSpaceId))[0]).toMatchObject({
      accountId: teamId,
      space: { platform: 'discord', platformSpaceId: space.platformSpaceId },
    });
    expect(await search(`nobody-${marker}`)).toEqual([]);
  });
});

describe('an account page', () => {
  it('shows balance, holds, owner with identities, and no flag', async () => {
    const { user, accountId } = await makeUser(t.db, { name: 'Hank Holder', credits: 100 });
    const hold = await spend(accountId, user.id, 30, false);
    const admin = await core.web('admin');
    const page = await admin.client.admin.account.query({ accountId });
    expect(page).toMatchObject({
      balance: { accountId, kind: 'personal', available: 70, held: 30 },
      owner: { kind: 'personal', user: { id: user.id, displayName: 'Hank Holder', role: 'user' } },
      holds: [{ id: hold.id, amount: 30, status: 'pending', userId: user.id }],
      flag: null,
      policy: null,
      memberSpend: [],
    });
    expect(page.owner.kind === 'personal' && page.owner.identities).toHaveLength(1);
  });

  it('a team pool shows its policy and this month’s spend per member', async () => {
    const { space, accountId } = await makeTeam(t.db, { credits: 1000 });
    const ann = await makeUser(t.db, { name: 'Ann' });
    const bob = await makeUser(t.db, { name: 'Bob' });
    for (const m of [ann, bob]) await joinSpace(t.db, space.id, m.user.id);
    await spend(accountId, ann.user.id, 40);
    await spend(accountId, ann.user.id, 10);
    await spend(accountId, bob.user.id, 25);
    await spend(accountId, bob.user.id, 99, false); // still running: not spent yet
    const admin = await core.web('admin');
    await admin.client.admin.setTeamPolicy.mutate({
      accountId,
      reason: 'cap the spend',
      memberMonthlyCap: 500,
    });
    const page = await admin.client.admin.account.query({ accountId });
    expect(page).toMatchObject({
      balance: { kind: 'team', available: 1000 - 75 - 99, held: 99 },
      owner: { kind: 'team', space: { id: space.id }, memberCount: 2 },
      policy: { spenders: 'all_members', memberMonthlyCap: 500, allowedModels: null },
    });
    expect(page.memberSpend).toEqual([
      // Spent (captured) and still held for running work, from the pool's holds.
      { userId: ann.user.id, displayName: 'Ann', spent: 50, held: 0 },
      { userId: bob.user.id, displayName: 'Bob', spent: 25, held: 99 },
    ]);
  });

  it('the ledger filters by kind and pages by keyset without gaps or repeats', async () => {
    const { user, accountId } = await makeUser(t.db, { credits: 10 });
    await t.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 4; i++) {
        await addCredits(tx, {
          accountId,
          amount: 5,
          kind: 'purchase',
          idempotencyKey: randomUUID(),
          reason: `buy ${i}`,
        });
      }
    });
    await spend(accountId, user.id, 3);
    const admin = await core.web('admin');
    const purchases = await admin.client.admin.ledger.query({ accountId, kinds: ['purchase'], limit: 3 });
    expect(purchases.entries.map((e) => e.reason)).toEqual(['buy 3', 'buy 2', 'buy 1']);
    const rest = await admin.client.admin.ledger.query({
      accountId,
      kinds: ['purchase'],
      limit: 3,
      cursor: purchases.nextCursor ?? undefined,
    });
    expect(rest.entries.map((e) => e.reason)).toEqual(['buy 0']);
    expect(rest.nextCursor).toBeNull();
    const all = await admin.client.admin.ledger.query({ accountId });
    expect(all.entries.map((e) => e.kind)).toEqual([
      'capture',
      'hold',
      'purchase',
      'purchase',
      'purchase',
      'purchase',
      'grant',
    ]);
    const future = await admin.client.admin.ledger.query({ accountId, from: new Date(Date.now() + 60_000) });
    expect(future.entries).toEqual([]);
  });
});

describe('granting credits', () => {
  it('needs a reason; an admin grants (audited, in the ledger); a moderator is refused and nothing changes', async () => {
    const { accountId } = await makeUser(t.db, { credits: 5 });
    const admin = await core.web('admin');
    const mod = await core.web('moderator');
    const noReason = await trpcError(
      admin.client.admin.grant.mutate({ accountId, amount: 10, reason: '', idempotencyKey: randomUUID() }),
    );
    expect(noReason).toMatchObject({ appCode: 'INVALID_INPUT' });
    expect(noReason.fieldErrors?.reason?.[0]).toMatch(/Say why/);
    const refused = await trpcError(
      mod.client.admin.grant.mutate({
        accountId,
        amount: 10,
        reason: 'helping out',
        idempotencyKey: randomUUID(),
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: 'Admins only' });
    expect((await admin.client.admin.account.query({ accountId })).balance.available).toBe(5);

    await admin.client.admin.grant.mutate({
      accountId,
      amount: 10,
      reason: 'apology for downtime',
      idempotencyKey: randomUUID(),
    });
    const ledger = await mod.client.admin.ledger.query({ accountId });
    expect(ledger.entries[0]).toMatchObject({
      kind: 'grant',
      amount: 10,
      reason: 'apology for downtime',
      actorUserId: admin.userId,
    });
    const audit = await mod.client.admin.audit.query({ targetId: accountId });
    expect(audit.events[0]).toMatchObject({
      action: 'credits.grant',
      reason: 'apology for downtime',
      actorName: expect.any(String),
    });
  });
});

describe('the dashboard', () => {
  it('counts credits sold and spent, generations per category and status, failure rate and the queue', async () => {
    const before = await (await core.web('admin')).client.admin.dashboard.query({ days: 7 });
    const today = before.days.at(-1)!;
    const { user, accountId } = await makeUser(t.db);
    await t.db
      .transaction()
      .execute((tx) =>
        addCredits(tx, { accountId, amount: 500, kind: 'purchase', idempotencyKey: randomUUID() }),
      );
    await spend(accountId, user.id, 120);
    const storage = core.app.deps.storage;
    await makeGeneration(t.db, storage, {
      userId: user.id,
      accountId,
      category: 'image',
      status: 'succeeded',
    });
    await makeGeneration(t.db, storage, {
      userId: user.id,
      accountId,
      category: 'image',
      status: 'succeeded',
    });
    await makeGeneration(t.db, storage, { userId: user.id, accountId, category: 'video', status: 'failed' });
    const waiting = await makeGeneration(t.db, storage, {
      userId: user.id,
      accountId,
      category: 'audio',
      status: 'queued',
    });
    // It has waited a minute and a half.
    await sql`update generations set created_at = now() - interval '90 seconds' where id = ${waiting.id}`.execute(
      t.db,
    );

    const admin = await core.web('admin');
    const after = await admin.client.admin.dashboard.query({ days: 7 });
    expect(after.days).toHaveLength(7);
    const credits = (d: typeof after) => d.credits.find((c) => c.day === today)!;
    expect(credits(after).sold - credits(before).sold).toBe(500);
    expect(credits(after).spent - credits(before).spent).toBe(120);
    const count = (d: typeof after, category: string, status: string) =>
      d.generations.find((g) => g.day === today && g.category === category && g.status === status)?.count ??
      0;
    expect(count(after, 'image', 'succeeded') - count(before, 'image', 'succeeded')).toBe(2);
    expect(count(after, 'video', 'failed') - count(before, 'video', 'failed')).toBe(1);
    const rate = after.failureRate.find((f) => f.day === today)!;
    expect(rate.rate).toBeCloseTo(rate.failed / rate.finished);
    expect(after.queue.depth - before.queue.depth).toBe(1);
    expect(after.queue.oldestAgeSeconds).toBeGreaterThanOrEqual(89);

    const mod = await core.web('moderator');
    expect(await trpcError(mod.client.admin.dashboard.query({}))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('the model catalog', () => {
  it('an admin disables and re-prices a model, audited with the previous values; users see it at once', async () => {
    const admin = await core.web('admin');
    const bot = await core.bot('telegram', { userId: `u-${randomUUID()}` });
    await admin.client.admin.updateModel.mutate({
      modelId: 'fal-ai/fast-sdxl',
      priceCredits: 7,
      reason: 'cheaper now',
    });
    const quote = await bot.catalog.quote.query({ model: 'fal-ai/fast-sdxl', input: { prompt: 'a cat' } });
    expect(quote.price).toBe(7);
    await admin.client.admin.updateModel.mutate({
      modelId: 'fal-ai/fast-sdxl',
      enabled: false,
      reason: 'provider outage',
    });
    const refused = await trpcError(
      bot.generations.create.mutate({ model: 'fal-ai/fast-sdxl', input: { prompt: 'a cat' } }),
    );
    expect(refused).toMatchObject({ appCode: 'MODEL_DISABLED' });
    const audit = await admin.client.admin.audit.query({ targetId: 'fal-ai/fast-sdxl' });
    expect(audit.events.map((e) => [e.action, e.reason, e.data.before])).toEqual([
      ['model.update', 'provider outage', { enabled: true, unitCredits: 7 }],
      ['model.update', 'cheaper now', expect.objectContaining({ enabled: true })],
    ]);
    const mod = await core.web('moderator');
    expect(
      await trpcError(
        mod.client.admin.updateModel.mutate({ modelId: 'fal-ai/fast-sdxl', enabled: true, reason: 'mine' }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });
});
