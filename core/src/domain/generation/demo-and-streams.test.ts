import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';

// What arrives over the wire (dates are strings in JSON): only the fields the tests read.
interface GenerationView {
  id: string;
  status: string;
  failureReason: string | null;
  outputs: { url: string | null; kind: string }[];
}
interface DeliveryView {
  deliveryId: number;
  outcome: string;
  recipientPlatformUserId: string | null;
  generation: GenerationView;
}

// No FAL_KEY: the offline demo provider answers, exactly as on a fresh `npm start`.
const t = useTestDatabase();
const core = useTestCore(t, {}, { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 });

function collect<T>(
  subscribe: (handlers: { onData: (value: T) => void; onError: (e: unknown) => void }) => {
    unsubscribe(): void;
  },
) {
  const values: T[] = [];
  const errors: unknown[] = [];
  const sub = subscribe({ onData: (v) => values.push(v), onError: (e) => errors.push(e) });
  return { values, errors, stop: () => sub.unsubscribe() };
}

describe('offline demo generation, progress and delivery streams', () => {
  it('produces a real demo image end to end and streams progress until it is done', async () => {
    const bot = await core.bot('console', { userId: 'local-lena' });
    const { generation, price } = await bot.generations.create.mutate({
      input: { prompt: 'a lighthouse at dusk', image_size: 'landscape_4_3' },
      origin: { chatId: 'terminal' },
    });
    expect(core.app.deps.provider.name).toBe('demo');
    expect(price).toBe(1);

    const progress = collect<GenerationView>((h) =>
      bot.generations.progress.subscribe({ id: generation.id }, h),
    );
    const done = await waitUntil(() => progress.values.find((v) => v.status === 'succeeded'), {
      label: 'succeeded via SSE',
    });
    progress.stop();
    expect(progress.errors).toEqual([]);
    // The first view is the state at subscription: the worker may already have submitted it.
    expect(['queued', 'submitted']).toContain(progress.values[0]?.status);
    expect(progress.values.some((v) => v.status === 'processing' || v.status === 'submitted')).toBe(true);

    const image = PNG.sync.read(Buffer.from(await (await fetch(done.outputs[0]!.url!)).arrayBuffer()));
    expect([image.width, image.height]).toEqual([1024, 768]);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 49, held: 0 });
  });

  it('the deliveries stream hands every unacknowledged result to the bot again until it acknowledges', async () => {
    const user = await core.bot('console', { userId: 'stream-stan' });
    const { generation } = await user.generations.create.mutate({ input: { prompt: 'stream me' } });
    const bot = await core.bot('console');

    const first = collect<{ id: string; data: DeliveryView }>((h) =>
      bot.deliveries.stream.subscribe(undefined, h),
    );
    const delivery = await waitUntil(() => first.values.find((d) => d.data.generation.id === generation.id), {
      label: 'delivery',
    });
    first.stop();
    expect(delivery.data).toMatchObject({ outcome: 'succeeded', recipientPlatformUserId: 'stream-stan' });
    expect(delivery.data.generation.outputs[0]?.kind).toBe('image');

    // Not acknowledged: a reconnecting bot gets it again.
    const second = collect<{ id: string; data: DeliveryView }>((h) =>
      bot.deliveries.stream.subscribe(undefined, h),
    );
    await waitUntil(() => second.values.find((d) => d.data.deliveryId === delivery.data.deliveryId), {
      label: 'redelivery',
    });
    second.stop();
    expect(await bot.deliveries.ack.mutate({ ids: [delivery.data.deliveryId] })).toEqual({ acknowledged: 1 });
    expect(await bot.deliveries.ack.mutate({ ids: [delivery.data.deliveryId] })).toEqual({ acknowledged: 0 });

    // Acknowledged: a new subscriber sees only newer deliveries, and sees them as they happen.
    const third = collect<{ id: string; data: DeliveryView }>((h) =>
      bot.deliveries.stream.subscribe(undefined, h),
    );
    const { generation: next } = await user.generations.create.mutate({
      input: { prompt: 'a fail-demo on purpose' },
    });
    const failure = await waitUntil(() => third.values.find((d) => d.data.generation.id === next.id), {
      label: 'failure',
    });
    third.stop();
    expect(third.values.map((d) => d.data.deliveryId)).not.toContain(delivery.data.deliveryId);
    expect(failure.data).toMatchObject({ outcome: 'failed' });
    expect(failure.data.generation.failureReason).toMatch(/asked to fail/);

    // Another platform's bot never sees these deliveries.
    const other = await core.bot('discord');
    const foreign = collect<{ id: string; data: DeliveryView }>((h) =>
      other.deliveries.stream.subscribe(undefined, h),
    );
    await new Promise((r) => setTimeout(r, 500));
    foreign.stop();
    expect(foreign.values).toEqual([]);
    expect(await other.deliveries.ack.mutate({ ids: [failure.data.deliveryId] })).toEqual({
      acknowledged: 0,
    });
  });
});
