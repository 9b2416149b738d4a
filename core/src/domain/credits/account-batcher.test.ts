import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeTeam, makeUser } from '../../../../test/support/factories';
import { waitUntil } from '../../../../test/support/wait';
import { isAppError } from '../../errors';
import { AccountBatcher } from './account-batcher';
import { captureHold, getBalance, holdCredits, listLedger, releaseHold } from './credits.service';
import { reconcileLedger } from './reconcile';

// Group commit for a busy pool: work on one account shares transactions when it arrives together.
// Whatever the batching, the ledger's rules hold: never more than the budget, every hold resolved
// exactly once, reconcile clean.

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase({ max: 40 });
const core = useTestCore(
  t,
  () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url, TEAM_STARTER_CREDITS: '0' }),
  {
    worker: { sweepEverySeconds: 3600 },
    jobPollSeconds: 0.5,
  },
);

describe('the account batcher', () => {
  it('64 members holding at once from a budget that runs out mid-batch: exactly the budget is granted', async () => {
    const { accountId } = await makeTeam(t.db, { credits: 100 });
    const members = await Promise.all(Array.from({ length: 64 }, () => makeUser(t.db)));
    const batcher = new AccountBatcher(t.db);
    const results = await Promise.allSettled(
      members.map(({ user }) =>
        batcher.run('pool', user.id, (tx) =>
          holdCredits(tx, {
            accountId,
            userId: user.id,
            amount: 3,
            reference: 'batch test',
            idempotencyKey: randomUUID(),
          }),
        ),
      ),
    );
    const granted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(granted).toHaveLength(33);
    expect(refused).toHaveLength(31);
    for (const reason of refused) expect(isAppError(reason, 'INSUFFICIENT_CREDITS')).toBe(true);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 1, held: 99 });

    // Each hold resolved twice at once, half captured and half released: only the first counts.
    const outcomes = await Promise.all(
      granted.flatMap((hold, i) =>
        [0, 1].map(() =>
          batcher.run('pool', hold.id, (tx) =>
            i % 2 === 0 ? captureHold(tx, hold.id) : releaseHold(tx, hold.id, 'changed my mind'),
          ),
        ),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(33);
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 1 + 16 * 3, held: 0 });
    const { entries } = await listLedger(t.db, accountId, { limit: 200 });
    expect(entries.filter((e) => e.kind === 'capture')).toHaveLength(17);
    expect(entries.filter((e) => e.kind === 'release')).toHaveLength(16);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it("a failing unit's batch is rolled back and the others still succeed, each once", async () => {
    const { accountId } = await makeTeam(t.db, { credits: 50 });
    const members = await Promise.all(Array.from({ length: 8 }, () => makeUser(t.db)));
    const batcher = new AccountBatcher(t.db);
    const results = await Promise.allSettled(
      members.map(({ user }, i) =>
        batcher.run('pool', user.id, async (tx) => {
          const hold = await holdCredits(tx, {
            accountId,
            userId: user.id,
            amount: 5,
            reference: 'batch test',
            idempotencyKey: `unit-${accountId}-${i}`,
          });
          if (i === 3) throw new Error('this one changed its mind');
          return hold;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(results[3]).toMatchObject({
      status: 'rejected',
      reason: { message: 'this one changed its mind' },
    });
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 15, held: 35 });
    const { entries } = await listLedger(t.db, accountId, { limit: 200 });
    expect(entries.filter((e) => e.kind === 'hold')).toHaveLength(7);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});

describe('a busy team pool through the product', () => {
  it('40 members of a Slack workspace generating at once from a pool that covers 25: 25 run and finish, 15 are refused with the price', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, webhook: false, output: imageOutput(TINY_PNG) });
    const price = (
      await (
        await core.bot('discord', { userId: 'price-check' })
      ).generations.quote.query({
        model: 'sdxl',
        input: { prompt: 'x' },
      })
    ).price;
    // In a Slack workspace the pool always pays, so an empty pool refuses rather than falling back.
    const { space, accountId } = await makeTeam(t.db, { credits: price * 25, platform: 'slack' });
    const claimSpace = { id: space.platformSpaceId, kind: 'workspace' as const, name: 'Busy workspace' };
    const bots = await Promise.all(
      Array.from({ length: 40 }, (_, i) => core.bot('slack', { userId: `busy-${i}`, space: claimSpace })),
    );
    const results = await Promise.allSettled(
      bots.map((bot, i) => bot.generations.create.mutate({ model: 'sdxl', input: { prompt: `pool ${i}` } })),
    );
    const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.generation.id] : []));
    expect(accepted).toHaveLength(25);
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      const refused = await trpcError(Promise.reject(r.reason));
      expect(refused).toMatchObject({ appCode: 'INSUFFICIENT_CREDITS', details: { price } });
    }
    await waitUntil(
      async () => {
        const rows = await t.db
          .selectFrom('generations')
          .select('status')
          .where('id', 'in', accepted)
          .execute();
        return rows.every((r) => r.status === 'succeeded');
      },
      { label: 'the 25 accepted generations to finish' },
    );
    expect(await getBalance(t.db, accountId)).toMatchObject({ available: 0, held: 0 });
    const { entries } = await listLedger(t.db, accountId, { limit: 200 });
    expect(entries.filter((e) => e.kind === 'capture')).toHaveLength(25);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});
