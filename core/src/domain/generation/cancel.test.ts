import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../../../test/fakes/fal/fal-fake';
import { type CoreClient, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { freePort } from '../../../../test/support/ports';
import { waitUntil } from '../../../../test/support/wait';
import { reconcileLedger } from '../credits/reconcile';

const fal = new FalFake();
let port = 0;
beforeAll(async () => {
  await fal.start();
  port = await freePort();
});
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    WORKER_STATUS_POLL_SECONDS: '0.2',
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

const SDXL = 'fal-ai/fast-sdxl';

const row = (id: string) =>
  t.db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const holdOf = async (id: string) => {
  const g = await row(id);
  return t.db.selectFrom('credit_holds').selectAll().where('id', '=', g.hold_id!).executeTakeFirstOrThrow();
};

/** No job for this generation is waiting or running any more: the system has settled. */
async function settled(id: string) {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pgboss.job
    where data->>'generationId' = ${id} and state in ('created', 'retry', 'active')`.execute(t.db);
  return rows[0]?.n === 0;
}

function follow(client: CoreClient, id: string) {
  const views: { status: string; queuePosition: number | null; failureReason: string | null }[] = [];
  const sub = client.generations.progress.subscribe({ id }, { onData: (v) => views.push(v) });
  return { views, stop: () => sub.unsubscribe() };
}

describe('cancelling a generation', () => {
  it('stops it at fal, gives the credits back, and the chat is told it was cancelled', async () => {
    fal.setBehavior(SDXL, { manual: true, queuePolls: 10_000, webhook: false });
    const user = await core.bot('telegram', { userId: `canceller-${randomUUID()}` });
    const { generation } = await user.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'a slow painting' },
      origin: { chatId: 'chat-1', messageId: '5' },
    });
    const progress = follow(user, generation.id);
    const requestId = await waitUntil(async () => (await row(generation.id)).provider_request_id);
    expect((await user.credits.balance.query()).personal).toMatchObject({ available: 49, held: 1 });

    const cancelled = await user.generations.cancel.mutate({ id: generation.id });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      failureReason: 'Cancelled at your request; your credits were returned',
    });
    expect(fal.request(requestId)).toMatchObject({ cancelled: true, status: 'COMPLETED' });
    expect((await user.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    expect((await holdOf(generation.id)).status).toBe('released');

    await waitUntil(() => progress.views.at(-1)?.status === 'cancelled', {
      label: 'progress says cancelled',
    });
    progress.stop();

    const bot = await core.bot('telegram');
    const deliveries: {
      id: string;
      data: { outcome: string; generation: { id: string; status: string } };
    }[] = [];
    const stream = bot.deliveries.stream.subscribe(undefined, { onData: (d) => deliveries.push(d) });
    const delivery = await waitUntil(() => deliveries.find((d) => d.data.generation.id === generation.id));
    stream.unsubscribe();
    expect(delivery.data).toMatchObject({ outcome: 'cancelled', generation: { status: 'cancelled' } });
    await bot.deliveries.ack.mutate({ ids: [Number(delivery.id)] });

    // Cancelling again, or a finished one, is refused in words and changes nothing.
    expect(await trpcError(user.generations.cancel.mutate({ id: generation.id }))).toMatchObject({
      appCode: 'CONFLICT',
      message: 'It is not running',
    });
    expect((await user.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    await waitUntil(() => settled(generation.id), { label: 'jobs settled' });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('the hold is released or captured exactly once when cancel and the provider finish at the same moment', async () => {
    fal.setBehavior(SDXL, {
      manual: true,
      queuePolls: 0,
      onCancelInProgress: 'ignore',
      output: imageOutput(),
    });
    const outcomes = { cancelled: 0, succeeded: 0 };
    for (let round = 0; round < 20; round++) {
      // A new person each round: one person may start only 10 generations a minute.
      const user = await core.bot('telegram', { userId: `racer-${round}-${randomUUID()}` });
      const { generation } = await user.generations.create.mutate({
        model: 'sdxl',
        input: { prompt: `race ${round}` },
        origin: { chatId: 'race-chat' },
      });
      const requestId = await waitUntil(async () => (await row(generation.id)).provider_request_id);
      // Running at fal (a poll moved it), so the cancel signal reaches an app that finishes anyway.
      await waitUntil(() => fal.request(requestId).status === 'IN_PROGRESS', { label: 'running at fal' });
      // The cancel leaves a little later each round, so over the rounds it lands before, during and
      // after the webhook's finalize (a jitter to interleave the two, not a wait for anything).
      const [, answer] = await Promise.all([
        fal.complete(requestId),
        new Promise((resolve) => setTimeout(resolve, (round % 10) * 15)).then(() =>
          user.generations.cancel.mutate({ id: generation.id }).catch((error: unknown) => error),
        ),
      ]);
      const final = await waitUntil(async () => {
        const g = await row(generation.id);
        return g.status === 'cancelled' || g.status === 'succeeded' ? g : null;
      });
      await waitUntil(() => settled(generation.id), { label: 'jobs settled' });
      await waitUntil(() => fal.webhookDeliveries.some((d) => d.requestId === requestId && d.responseStatus));
      outcomes[final.status as 'cancelled' | 'succeeded']++;
      const hold = await holdOf(generation.id);
      expect(hold.status).toBe(final.status === 'cancelled' ? 'released' : 'captured');
      const entries = await t.db
        .selectFrom('credit_entries')
        .select('kind')
        .where('hold_id', '=', hold.id)
        .orderBy('id')
        .execute();
      expect(entries.map((e) => e.kind)).toEqual([
        'hold',
        final.status === 'cancelled' ? 'release' : 'capture',
      ]);
      const deliveries = await t.db
        .selectFrom('deliveries')
        .select('outcome')
        .where('generation_id', '=', generation.id)
        .execute();
      expect(deliveries).toEqual([{ outcome: final.status }]);
      const outputs = await t.db
        .selectFrom('generation_outputs')
        .select('id')
        .where('generation_id', '=', generation.id)
        .execute();
      expect(outputs.length).toBe(final.status === 'succeeded' ? 1 : 0);
      // The person is answered with the truth: cancelled, or finished before the cancel could land.
      if (answer instanceof Error) expect(answer.message).toBe('It already finished');
      else expect((answer as { status: string }).status).toBe(final.status);
      expect((await user.credits.balance.query()).personal).toMatchObject({
        available: final.status === 'succeeded' ? 49 : 50,
        held: 0,
      });
    }
    expect(outcomes.cancelled + outcomes.succeeded).toBe(20);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});

describe('progress while queued', () => {
  it("shows the provider's queue position counting down, then progress, then the result", async () => {
    fal.setBehavior(SDXL, { queuePolls: 4, progressPolls: 2, output: imageOutput(), webhook: false });
    const user = await core.bot('telegram', { userId: `waiter-${randomUUID()}` });
    const { generation } = await user.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'a queue' },
    });
    const progress = follow(user, generation.id);
    await waitUntil(() => progress.views.at(-1)?.status === 'succeeded', { label: 'succeeded' });
    progress.stop();
    const positions = progress.views
      .filter((v) => v.status === 'submitted')
      .map((v) => v.queuePosition)
      .filter((p, i, all) => p !== all[i - 1]);
    expect(positions.length).toBeGreaterThanOrEqual(2);
    expect(positions.at(-1)).toBe(0);
    expect(positions.every((p, i) => i === 0 || (p ?? 0) < (positions[i - 1] ?? 0))).toBe(true);
    const processingAt = progress.views.findIndex((v) => v.status === 'processing');
    const lastQueued = progress.views.map((v) => v.status).lastIndexOf('submitted');
    expect(processingAt).toBeGreaterThan(lastQueued);
  });
});
