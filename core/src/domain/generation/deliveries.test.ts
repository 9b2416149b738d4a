import { describe, expect, it } from 'vitest';
import { useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { makeGeneration } from '../../../../test/support/generations';
import { waitUntil } from '../../../../test/support/wait';
import { publishEvent } from '../../events/event-bus';

const t = useTestDatabase();
const core = useTestCore(t);

describe('the deliveries stream', () => {
  it('still hands out a delivery whose id was taken first but committed after a later one', async () => {
    const { user, accountId } = await makeUser(t.db, { platform: 'console' });
    const storage = core.app.deps.storage;
    const early = await makeGeneration(t.db, storage, { userId: user.id, accountId });
    const late = await makeGeneration(t.db, storage, { userId: user.id, accountId });
    const bot = await core.bot('console');
    const seen: number[] = [];
    const ids: Record<string, number> = {};
    const sub = bot.deliveries.stream.subscribe(undefined, {
      onData: (d) => seen.push(d.data.deliveryId),
    });

    // Transaction A takes the lower id and stays open while B commits a higher one.
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = t.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('deliveries')
        .values({
          generation_id: early.id,
          outcome: 'succeeded',
          platform: 'console',
          user_id: user.id,
          space_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.early = row.id;
      await aMayCommit;
      await publishEvent(tx, { type: 'delivery', platform: 'console', deliveryId: row.id });
    });
    await waitUntil(() => ids.early);
    await t.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('deliveries')
        .values({
          generation_id: late.id,
          outcome: 'succeeded',
          platform: 'console',
          user_id: user.id,
          space_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.late = row.id;
      await publishEvent(tx, { type: 'delivery', platform: 'console', deliveryId: row.id });
    });
    await waitUntil(() => seen.includes(ids.late!), { label: 'the later delivery' });
    expect(ids.early).toBeLessThan(ids.late!);
    releaseA();
    await a;
    await waitUntil(() => seen.includes(ids.early!), { label: 'the earlier delivery, committed last' });
    sub.unsubscribe();
    expect(seen.filter((id) => id === ids.early || id === ids.late).sort()).toEqual(
      [ids.early, ids.late].sort(),
    );
  });

  it('two connections of one platform (bot replicas) never receive the same delivery', async () => {
    const { user, accountId } = await makeUser(t.db, { platform: 'slack' });
    const storage = core.app.deps.storage;
    const replicas = [await core.bot('slack'), await core.bot('slack')];
    const received = replicas.map(() => [] as number[]);
    const subs = replicas.map((bot, i) =>
      bot.deliveries.stream.subscribe(undefined, { onData: (d) => received[i]!.push(d.data.deliveryId) }),
    );
    const ids: number[] = [];
    for (let n = 0; n < 12; n++) {
      const g = await makeGeneration(t.db, storage, { userId: user.id, accountId });
      await t.db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('deliveries')
          .values({
            generation_id: g.id,
            outcome: 'succeeded',
            platform: 'slack',
            user_id: user.id,
            space_id: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(row.id);
        await publishEvent(tx, { type: 'delivery', platform: 'slack', deliveryId: row.id });
      });
    }
    await waitUntil(() => received.flat().length >= ids.length, { label: 'all deliveries handed out' });
    await new Promise((r) => setTimeout(r, 300));
    for (const sub of subs) sub.unsubscribe();
    expect(received.flat().sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(received[0]!.filter((id) => received[1]!.includes(id))).toEqual([]);
  });

  it('a bot process that reconnects gets its unacknowledged deliveries at once, though its old connection still holds them', async () => {
    const { user, accountId } = await makeUser(t.db, { platform: 'discord' });
    const g = await makeGeneration(t.db, core.app.deps.storage, { userId: user.id, accountId });
    const bot = await core.bot('discord');
    const consumerId = `bot-process-${g.id}`;
    // The first connection of the process receives the delivery and then goes quiet (half-open: core
    // never hears that the bot gave up on it, so it never gives the lease back).
    const first: number[] = [];
    const old = bot.deliveries.stream.subscribe(
      { consumerId },
      { onData: (d) => first.push(d.data.deliveryId) },
    );
    const row = await t.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('deliveries')
        .values({
          generation_id: g.id,
          outcome: 'succeeded',
          platform: 'discord',
          user_id: user.id,
          space_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await publishEvent(tx, { type: 'delivery', platform: 'discord', deliveryId: inserted.id });
      return inserted;
    });
    await waitUntil(() => first.includes(row.id), { label: 'the first connection to get it' });

    // The same process connects again: the delivery comes at once, not after the 120 s lease.
    const second: number[] = [];
    const again = bot.deliveries.stream.subscribe(
      { consumerId },
      { onData: (d) => second.push(d.data.deliveryId) },
    );
    try {
      await waitUntil(() => second.includes(row.id), {
        timeoutMs: 5_000,
        label: 'the reconnected stream to get it',
      });
      await bot.deliveries.ack.mutate({ ids: [row.id] });
    } finally {
      old.unsubscribe();
      again.unsubscribe();
    }
    const lease = await t.db
      .selectFrom('deliveries')
      .select(['acked_at', 'lease_owner'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(lease.acked_at).not.toBeNull();
  });
});
