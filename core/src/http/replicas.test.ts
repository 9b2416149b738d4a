import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { freePort } from '../../../test/support/ports';
import { type AppProcess, startAppProcess } from '../../../test/support/processes';
import { waitUntil } from '../../../test/support/wait';
import { type AppRouter, encodeActor, transformer } from '../client';
import { createServiceToken } from '../domain/auth/auth.service';

// Model settings, the prompt block list and the users bots act for are read on every request and kept
// in memory; two core replicas (each with its own connections) show that a change made through one
// reaches the other at once.

const t = useTestDatabase();
const first = useTestCore(t);

// The other replica is `npm run core` in its own process.
let replica: AppProcess;
let replicaUrl = '';
beforeAll(async () => {
  const port = await freePort();
  replica = await startAppProcess(
    'core/src/main.ts',
    {
      DATABASE_URL: t.url,
      PORT: String(port),
      ATELIER_SECRET: 'test-secret-test-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-replica-')),
      STARTER_CREDITS: '50',
      LOG_LEVEL: 'error',
    },
    'Atelier core is listening',
  );
  replicaUrl = `http://127.0.0.1:${port}`;
});
afterAll(() => replica?.kill());

async function replicaBot(userId: string, platform: 'telegram' | 'discord' = 'telegram') {
  const token = await createServiceToken(t.db, { name: `replica-${userId}`, platform });
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${replicaUrl}/trpc`,
        transformer,
        headers: () => ({
          authorization: `Bearer ${token}`,
          'x-atelier-actor': encodeActor({ userId, userName: userId, space: null }),
        }),
      }),
    ],
  });
}

describe('what every request reads, changed on another replica', () => {
  it("an admin's re-price and switch-off on one replica apply on the other at once", async () => {
    const { client: admin } = await first.web('admin');
    const bot = await replicaBot('price-pia');
    const quote = () => bot.generations.quote.query({ model: 'sdxl', input: { prompt: 'a fox' } });
    const before = await quote();

    await admin.admin.updateModel.mutate({
      modelId: before.modelId,
      priceCredits: before.price + 7,
      reason: 'new provider price',
    });
    await waitUntil(async () => (await quote()).price === before.price + 7, {
      timeoutMs: 2_000,
      label: 'the new price on the replica',
    });

    await admin.admin.updateModel.mutate({ modelId: before.modelId, enabled: false, reason: 'outage' });
    await waitUntil(async () => (await trpcError(quote()).catch(() => null))?.appCode === 'MODEL_DISABLED', {
      timeoutMs: 2_000,
      label: 'the switch-off on the replica',
    });
    await admin.admin.updateModel.mutate({
      modelId: before.modelId,
      enabled: true,
      priceCredits: null,
      reason: 'back',
    });
    await waitUntil(async () => (await quote().catch(() => null))?.price === before.price, {
      timeoutMs: 2_000,
      label: 'the model back at its price',
    });
  });

  it('a blocked term added on one replica refuses prompts on the other, and removing it lets them through', async () => {
    const { client: admin } = await first.web('admin');
    const bot = await replicaBot('block-bea');
    const quote = () =>
      bot.generations.quote.query({ model: 'sdxl', input: { prompt: 'a zorblax at dawn' } });
    expect((await quote()).price).toBeGreaterThan(0);

    await admin.moderation.addBlockedTerm.mutate({ term: 'zorblax', reason: 'spam wave' });
    await waitUntil(async () => (await trpcError(quote()).catch(() => null))?.appCode === 'PROMPT_BLOCKED', {
      timeoutMs: 2_000,
      label: 'the block on the replica',
    });

    await admin.moderation.removeBlockedTerm.mutate({ term: 'zorblax', reason: 'over' });
    await waitUntil(async () => (await quote().catch(() => null)) !== null, {
      timeoutMs: 2_000,
      label: 'the prompt allowed again on the replica',
    });
  });

  it("a user's settings changed through one replica are the ones the other uses", async () => {
    const here = await first.bot('telegram', { userId: 'set-sam' });
    const there = await replicaBot('set-sam');
    expect((await there.me.get.query()).user.settings.deliverPrivately).not.toBe(true);

    await here.me.updateSettings.mutate({ defaultModel: 'sdxl', deliverPrivately: true });
    await waitUntil(async () => (await there.me.get.query()).user.settings.deliverPrivately === true, {
      timeoutMs: 2_000,
      label: 'the new settings on the replica',
    });
    expect((await there.me.get.query()).defaultModelId).toBe('fal-ai/fast-sdxl');
  });

  it('a link that merges two users shows on the other replica at once', async () => {
    const onDiscord = await first.bot('discord', { userId: 'link-lou-discord' });
    const onTelegramThere = await replicaBot('link-lou-telegram');
    const before = (await onTelegramThere.me.get.query()).user.id;
    const target = (await onDiscord.me.get.query()).user.id;
    expect(before).not.toBe(target);

    const { code } = await onDiscord.me.createLinkCode.mutate();
    const onTelegramHere = await first.bot('telegram', { userId: 'link-lou-telegram' });
    await onTelegramHere.me.redeemLinkCode.mutate({ code });
    await waitUntil(async () => (await onTelegramThere.me.get.query()).user.id === target, {
      timeoutMs: 2_000,
      label: 'the merged user on the replica',
    });
    const identities = (await onTelegramThere.me.get.query()).identities.map((i) => i.platform).sort();
    expect(identities).toEqual(['discord', 'telegram']);
  });
});
