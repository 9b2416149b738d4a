import { randomUUID } from 'node:crypto';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { freePort } from '../../../../test/support/ports';
import { waitUntil } from '../../../../test/support/wait';
import { reconcileLedger } from '../credits/reconcile';

const fal = new FalFake();
const RED = (() => {
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(0xff);
  for (let i = 0; i < png.data.length; i += 4) png.data[i + 1] = 0;
  return PNG.sync.write(png);
})();

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
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

const SCHNELL = 'fal-ai/flux-1/schnell';

async function ledgerOf(userPlatformId: string) {
  const rows = await t.db
    .selectFrom('credit_entries')
    .innerJoin('credit_accounts', 'credit_accounts.id', 'credit_entries.account_id')
    .innerJoin('identities', 'identities.user_id', 'credit_accounts.user_id')
    .select(['credit_entries.kind', 'credit_entries.amount'])
    .where('identities.platform_user_id', '=', userPlatformId)
    .execute();
  return rows.map((r) => r.kind);
}

const generation = (id: string) =>
  t.db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const deliveriesOf = (id: string) =>
  t.db.selectFrom('deliveries').selectAll().where('generation_id', '=', id).execute();

describe('a generation from request to delivery', () => {
  it('holds the price, runs on fal, copies the outputs, captures once and writes one delivery', async () => {
    fal.setBehavior(SCHNELL, {
      queuePolls: 1,
      progressPolls: 1,
      output: imageOutput(RED, { width: 4, height: 3, count: 2 }),
      webhook: false,
    });
    const bot = await core.bot('telegram', { userId: 'happy-hana' });
    const { generation: created, price } = await bot.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'a red fox', num_images: 2 },
      origin: { chatId: '42', messageId: '7' },
    });
    expect(price).toBe(2);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 48, held: 2 });

    const done = await waitUntil(async () => {
      const g = await bot.generations.get.query({ id: created.id });
      return g.status === 'succeeded' ? g : null;
    });
    expect(done.outputs).toHaveLength(2);
    const bytes = Buffer.from(await (await fetch(done.outputs[0]!.url!)).arrayBuffer());
    expect(bytes.equals(RED)).toBe(true);
    expect(done.outputs[0]).toMatchObject({ kind: 'image', mediaType: 'image/png', width: 4, height: 3 });

    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 48, held: 0 });
    expect((await ledgerOf('happy-hana')).filter((k) => k === 'capture')).toHaveLength(1);
    const deliveries = await deliveriesOf(created.id);
    expect(deliveries).toEqual([expect.objectContaining({ outcome: 'succeeded', platform: 'telegram' })]);
    expect(
      fal.requests.find((r) => r.input && (r.input as { prompt?: string }).prompt === 'a red fox')
        ?.webhookUrl,
    ).toMatch(new RegExp(`^http://127.0.0.1:${port}/webhooks/fal\\?generation=${created.id}$`));
  });

  it('a model failure releases the hold once and records a reason a person can read', async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      error: {
        status: 422,
        detail: [{ loc: ['body', 'prompt'], msg: 'prompt is not allowed', type: 'value_error' }],
      },
      webhook: false,
    });
    const bot = await core.bot('telegram', { userId: 'sad-sam' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'x' },
    });
    const failed = await waitUntil(async () => {
      const g = await generation(created.id);
      return g.status === 'failed' ? g : null;
    });
    expect(failed.failure_reason).toMatch(/prompt is not allowed/);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    const kinds = await ledgerOf('sad-sam');
    expect(kinds.filter((k) => k === 'release')).toHaveLength(1);
    expect(kinds).not.toContain('capture');
    expect(await deliveriesOf(created.id)).toEqual([expect.objectContaining({ outcome: 'failed' })]);
  });

  it('the same webhook ten times at once, racing the poller, captures once and delivers once', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { manual: true, output: imageOutput(RED), webhook: { delayMs: 0 } });
    const bot = await core.bot('discord', { userId: 'busy-bea' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'race' },
    });
    const submitted = await waitUntil(async () => (await generation(created.id)).provider_request_id);
    await fal.complete(submitted);
    await waitUntil(() => fal.webhookDeliveries.some((d) => d.requestId === submitted && d.responseStatus));
    const deliveries = await Promise.all(
      Array.from({ length: 10 }, () => fal.redeliverWebhook(submitted, { times: 1, resign: true })),
    );
    expect(deliveries.flat().every((d) => d.responseStatus === 200)).toBe(true);
    await waitUntil(async () => (await generation(created.id)).status === 'succeeded');
    await new Promise((r) => setTimeout(r, 1500)); // let the poller and queued finalizers run out
    expect((await ledgerOf('busy-bea')).filter((k) => k === 'capture')).toHaveLength(1);
    expect(await deliveriesOf(created.id)).toHaveLength(1);
    const outputs = await t.db
      .selectFrom('generation_outputs')
      .select('id')
      .where('generation_id', '=', created.id)
      .execute();
    expect(outputs).toHaveLength(1);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('a forged or stale webhook is refused and changes nothing', async () => {
    fal.setBehavior('fal-ai/flux/dev/image-to-image', { manual: true, webhook: false });
    fal.setBehavior('fal-ai/flux-lora', { manual: true, output: imageOutput(RED), webhook: false });
    const bot = await core.bot('discord', { userId: 'wary-will' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux-lora',
      input: { prompt: 'p' },
    });
    const requestId = await waitUntil(async () => (await generation(created.id)).provider_request_id);
    const body = JSON.stringify({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'OK',
      payload: {},
    });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`${core.app.url}/webhooks/fal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });

    const good = fal.signWebhook(body, { requestId });
    const forged = { ...good.headers, 'x-fal-webhook-signature': 'ab'.repeat(64) };
    expect((await post(forged)).status).toBe(401);
    const stale = fal.signWebhook(body, { requestId, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect((await post(stale.headers)).status).toBe(401);
    const tampered = await post(good.headers, body.replace('"OK"', '"ERROR"'));
    expect(tampered.status).toBe(401);

    const row = await generation(created.id);
    expect(['submitted', 'processing']).toContain(row.status);
    expect(await deliveriesOf(created.id)).toHaveLength(0);
    await fal.complete(requestId);
    await waitUntil(async () => (await generation(created.id)).status === 'succeeded');
  });
});

describe('refusals change nothing', () => {
  it('insufficient credits: the message carries price and balance, and nothing is held or created', async () => {
    const bot = await core.bot('telegram', { userId: 'broke-bob' });
    const refused = await trpcError(
      bot.generations.create.mutate({ model: 'fal-ai/veo3', input: { prompt: 'an epic film' } }),
    );
    expect(refused).toMatchObject({ appCode: 'INSUFFICIENT_CREDITS', code: 'PAYMENT_REQUIRED' });
    expect(refused.details).toMatchObject({ available: 50 });
    expect(Number(refused.details?.price)).toBeGreaterThan(50);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    const me = await bot.me.get.query();
    const rows = await t.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', me.user.id)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('bad input is INVALID_INPUT per field, before anything is held', async () => {
    const bot = await core.bot('telegram', { userId: 'fumbly-fay' });
    const refused = await trpcError(
      bot.generations.create.mutate({ model: 'flux', input: { prompt: 'p'.repeat(5000), num_images: 0 } }),
    );
    expect(refused.appCode).toBe('INVALID_INPUT');
    expect(Object.keys(refused.fieldErrors ?? {}).sort()).toEqual(['num_images', 'prompt']);
    expect((await bot.credits.balance.query()).personal.held).toBe(0);
  });

  it("another user's generation cannot be shown, cancelled or used as an input", async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    const owner = await core.bot('telegram', { userId: 'olive-owner' });
    const other = await core.bot('telegram', { userId: 'nosy-ned' });
    const { generation: created } = await owner.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'mine' },
    });
    await waitUntil(async () => (await generation(created.id)).status === 'succeeded');
    expect(await trpcError(other.generations.get.query({ id: created.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await trpcError(other.generations.cancel.mutate({ id: created.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const asInput = await trpcError(
      other.generations.create.mutate({ model: 'fal-ai/stable-video', input: { image_url: created.id } }),
    );
    expect(asInput).toMatchObject({ code: 'NOT_FOUND' });
    expect((await other.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    // The owner can animate their own image.
    fal.setBehavior('fal-ai/stable-video', { manual: true, webhook: false });
    const animated = await owner.generations.create.mutate({
      model: 'fal-ai/stable-video',
      input: { image_url: created.id },
    });
    const requestId = await waitUntil(
      async () => (await generation(animated.generation.id)).provider_request_id,
    );
    const submittedInput = fal.request(requestId).input as { image_url: string };
    expect(submittedInput.image_url).toMatch(/^https:\/\/v3\.fal\.media\//);
    await owner.generations.cancel.mutate({ id: animated.generation.id });
  });

  it('a repeated request key makes one generation, even when both arrive at once', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    const bot = await core.bot('telegram', { userId: 'double-dora' });
    const key = `telegram:update:${randomUUID()}`;
    const [a, b] = await Promise.all([
      bot.generations.create.mutate({ model: 'flux', input: { prompt: 'once' }, requestKey: key }),
      bot.generations.create.mutate({ model: 'flux', input: { prompt: 'once' }, requestKey: key }),
    ]);
    expect(a.generation.id).toBe(b.generation.id);
    expect((await bot.credits.balance.query()).personal.available).toBe(49);
  });

  it('more than the allowed running generations is RATE_LIMITED and holds nothing more', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { manual: true, webhook: false });
    const bot = await core.bot('telegram', { userId: 'greedy-gus' });
    const running = [];
    for (let i = 0; i < 4; i++)
      running.push(await bot.generations.create.mutate({ model: 'sdxl', input: { prompt: `n${i}` } }));
    const refused = await trpcError(
      bot.generations.create.mutate({ model: 'sdxl', input: { prompt: 'one more' } }),
    );
    expect(refused).toMatchObject({ appCode: 'RATE_LIMITED', code: 'TOO_MANY_REQUESTS' });
    expect((await bot.credits.balance.query()).personal.held).toBe(4);
    for (const r of running) await bot.generations.cancel.mutate({ id: r.generation.id });
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
  });
});

describe('NSFW results', () => {
  it("follow the space's policy: a blocking space gets the delivery without media", async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      immediate: true,
      webhook: false,
      output: (input, ctx) => ({ ...(imageOutput(RED)(input, ctx) as object), has_nsfw_concepts: [true] }),
    });
    const space = { id: 'strict-group', kind: 'group' as const, name: 'Strict' };
    const bot = await core.bot('telegram', { userId: 'nsfw-nina', space });
    const admin = await core.web('admin');
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'x' },
    });
    const row = await waitUntil(async () => {
      const g = await generation(created.id);
      return g.status === 'succeeded' ? g : null;
    });
    expect(row.nsfw).toBe(true);
    await admin.client.admin.setSpaceSettings.mutate({
      spaceId: row.space_id!,
      nsfw: 'block',
      reason: 'family server',
    });

    const consumer = await core.bot('telegram');
    const seen: {
      data: {
        withheld: boolean;
        nsfwPolicy: string;
        generation: { id: string; outputs: { url: string | null }[] };
      };
    }[] = [];
    const sub = consumer.deliveries.stream.subscribe(undefined, { onData: (d) => seen.push(d) });
    const delivery = await waitUntil(() => seen.find((d) => d.data.generation.id === created.id));
    sub.unsubscribe();
    expect(delivery.data).toMatchObject({ withheld: true, nsfwPolicy: 'block' });
    expect(delivery.data.generation.outputs.every((o) => o.url === null)).toBe(true);
  });
});

describe('reroll', () => {
  it('runs the same input again with a new seed as a new, separately charged generation', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    const bot = await core.bot('telegram', { userId: 'reroll-rita' });
    const { generation: first } = await bot.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'a teapot', seed: 7, num_images: 1 },
    });
    await waitUntil(async () => (await generation(first.id)).status === 'succeeded');
    const { generation: second, price } = await bot.generations.reroll.mutate({ id: first.id });
    expect(second.id).not.toBe(first.id);
    expect(second.rerolledFrom).toBe(first.id);
    expect(second.prompt).toBe('a teapot');
    expect(second.input.seed).not.toBe(7);
    expect(price).toBe(1);
    await waitUntil(async () => (await generation(second.id)).status === 'succeeded');
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 48, held: 0 });
    const other = await core.bot('telegram', { userId: 'reroll-thief' });
    expect(await trpcError(other.generations.reroll.mutate({ id: first.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('provider hiccups', () => {
  it('a 500 on submit is retried with backoff and then succeeds, charging once', async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      submitFailures: 2,
      submitFailureStatus: 500,
      immediate: true,
      output: imageOutput(RED),
      webhook: false,
    });
    const bot = await core.bot('telegram', { userId: 'patient-pat' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'retry' },
    });
    const done = await waitUntil(
      async () => {
        const g = await generation(created.id);
        return g.status === 'succeeded' ? g : null;
      },
      { timeoutMs: 25_000 },
    );
    expect(done.submit_attempts).toBe(2);
    expect((await ledgerOf('patient-pat')).filter((k) => k === 'capture')).toHaveLength(1);
  });
});
