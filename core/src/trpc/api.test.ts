import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { createLinkCode, ensureUser, personalAccountId } from '../domain/accounts/accounts.service';
import { listLedger } from '../domain/credits/credits.service';
import { reconcileLedger } from '../domain/credits/reconcile';

const t = useTestDatabase();
const core = useTestCore(t);

describe('authentication and authorization', () => {
  it('refuses a call without a token, with a wrong token, and a revoked-looking token', async () => {
    expect(await trpcError(core.anonymous().credits.balance.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'UNAUTHORIZED',
    });
    const wrong = await trpcError(
      core.anonymous('Bearer atl_telegram_not-a-real-token').credits.balance.query(),
    );
    expect(wrong).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'UNAUTHORIZED',
      message: 'Unknown or revoked service token',
    });
    const garbage = await trpcError(core.anonymous('Bearer nonsense').credits.balance.query());
    expect(garbage).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHORIZED', httpStatus: 401 });
  });

  it('a bot token cannot call admin procedures, even when acting for a user', async () => {
    const bot = await core.bot('telegram', { userId: 'tg-admin-wannabe' });
    const target = await ensureUser(
      t.db,
      { platform: 'telegram', platformUserId: 'victim', displayName: 'v' },
      0,
    );
    const accountId = await personalAccountId(t.db, target.id);
    const refused = await trpcError(
      bot.admin.grant.mutate({ accountId, amount: 1000, reason: 'free money', idempotencyKey: randomUUID() }),
    );
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHORIZED' });
    expect(await trpcError(bot.admin.searchAccounts.query({ query: 'victim' }))).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'UNAUTHORIZED',
    });
    expect((await listLedger(t.db, accountId)).entries).toHaveLength(0);
  });

  it('a bot acting for user A sees and changes only A', async () => {
    const botA = await core.bot('discord', { userId: 'alice' });
    const botB = await core.bot('discord', { userId: 'bob' });
    await botA.favorites.add.mutate({ model: 'sdxl' });
    expect((await botA.favorites.list.query()).map((m) => m.id)).toEqual(['fal-ai/fast-sdxl']);
    expect(await botB.favorites.list.query()).toEqual([]);
    const a = await botA.me.get.query();
    const b = await botB.me.get.query();
    expect(a.user.id).not.toBe(b.user.id);
    expect(b.identities).toEqual([{ platform: 'discord', platformUserId: 'bob', displayName: 'user bob' }]);
  });

  it('a token of one platform acts only for identities of that platform', async () => {
    const asTelegram = await core.bot('telegram', { userId: 'same-id-1' });
    const asDiscord = await core.bot('discord', { userId: 'same-id-1' });
    const tg = await asTelegram.me.get.query();
    const dc = await asDiscord.me.get.query();
    expect(tg.user.id).not.toBe(dc.user.id);
    expect(tg.identities[0]?.platform).toBe('telegram');
  });

  it('a bot call that needs a user but states none is refused with a clear message', async () => {
    const bot = await core.bot('slack');
    const refused = await trpcError(bot.credits.balance.query());
    expect(refused).toMatchObject({
      code: 'UNAUTHORIZED',
      appCode: 'UNAUTHORIZED',
      message: 'This call needs the acting user (x-atelier-actor)',
    });
    expect((await bot.catalog.list.query({})).length).toBeGreaterThan(10);
  });

  it('a moderator can search and read accounts but not grant; an admin can grant, audited', async () => {
    const mod = await core.web('moderator');
    const admin = await core.web('admin');
    const bot = await core.bot('telegram', { userId: 'grantee', userName: 'Grace Grantee' });
    const before = await bot.credits.balance.query();
    const found = await mod.client.admin.searchAccounts.query({ query: 'Grace' });
    expect(found.map((f) => f.accountId)).toContain(before.personal.accountId);
    const input = {
      accountId: before.personal.accountId,
      amount: 25,
      reason: 'contest prize',
      idempotencyKey: randomUUID(),
    };
    expect(await trpcError(mod.client.admin.grant.mutate(input))).toMatchObject({
      code: 'FORBIDDEN',
      appCode: 'FORBIDDEN',
    });
    await admin.client.admin.grant.mutate(input);
    await admin.client.admin.grant.mutate(input); // a double-submitted form counts once
    expect((await bot.credits.balance.query()).personal.available).toBe(before.personal.available + 25);
    const audit = await mod.client.admin.audit.query({ targetId: before.personal.accountId });
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'credits.grant',
        reason: 'contest prize',
        actorUserId: admin.userId,
      }),
    ]);
  });

  it('a wrong password is refused without saying which part was wrong', async () => {
    await core.web('admin');
    const refused = await trpcError(
      core.anonymous().auth.login.mutate({ username: 'admin999@example.test', password: 'x' }),
    );
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', message: 'Wrong username or password' });
  });
});

describe('bad input', () => {
  it('an unknown model, wrong types, out-of-range options and an oversized prompt give INVALID_INPUT per field', async () => {
    const bot = await core.bot('telegram', { userId: 'typo-tina' });
    const unknown = await trpcError(
      bot.catalog.quote.query({ model: 'no-such-model', input: { prompt: 'x' } }),
    );
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT' });
    expect(unknown.fieldErrors?.model?.[0]).toMatch(/unknown model/);

    const bad = await trpcError(
      bot.catalog.quote.query({
        model: 'flux',
        input: { prompt: 'p'.repeat(10_000), num_images: 99, seed: 'abc', colour: 'red' },
      }),
    );
    expect(bad.appCode).toBe('INVALID_INPUT');
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(['input', 'num_images', 'prompt', 'seed']);
    expect(bad.fieldErrors?.input?.[0]).toMatch(/unknown option: colour/);
  });

  it('a malformed procedure input is refused with field messages and changes nothing', async () => {
    const bot = await core.bot('telegram', { userId: 'careless-carl' });
    const before = await bot.me.get.query();
    const refused = await trpcError(
      bot.me.updateSettings.mutate({ deliverPrivately: 'yes please' as unknown as boolean }),
    );
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT' });
    expect(refused.fieldErrors?.deliverPrivately).toBeDefined();
    expect((await bot.me.get.query()).user.settings).toEqual(before.user.settings);
    const fav = await trpcError(bot.favorites.add.mutate({ model: 'nope' }));
    expect(fav.appCode).toBe('INVALID_INPUT');
    expect(await bot.favorites.list.query()).toEqual([]);
  });

  it('a malformed actor header is refused', async () => {
    const bot = await core.bot('telegram', { userId: 'x', userName: '' });
    expect(await trpcError(bot.credits.balance.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      message: /Malformed/,
    });
  });
});

describe('starter credits and linking', () => {
  it('a new user gets starter credits exactly once, even when their first ten calls arrive at once', async () => {
    const bot = await core.bot('telegram', { userId: 'eager-eve' });
    const balances = await Promise.all(Array.from({ length: 10 }, () => bot.credits.balance.query()));
    expect(new Set(balances.map((b) => b.personal.accountId)).size).toBe(1);
    const { entries } = await listLedger(t.db, balances[0]!.personal.accountId);
    expect(entries.filter((e) => e.kind === 'starter')).toHaveLength(1);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
  });

  it('a link code merges identities, balances and favorites, and works only once', async () => {
    const onDiscord = await core.bot('discord', { userId: 'dana-d' });
    const onTelegram = await core.bot('telegram', { userId: 'dana-t' });
    const third = await core.bot('slack', { userId: 'mallory' });
    await onDiscord.favorites.add.mutate({ model: 'flux' });
    await onTelegram.favorites.add.mutate({ model: 'sdxl' });
    const { code } = await onDiscord.me.createLinkCode.mutate();
    const merged = await onTelegram.me.redeemLinkCode.mutate({ code: code.toLowerCase() });

    const view = await onTelegram.me.get.query();
    expect(view.user.id).toBe(merged.id);
    expect(view.identities.map((i) => i.platform).sort()).toEqual(['discord', 'telegram']);
    expect((await onDiscord.credits.balance.query()).personal.available).toBe(100);
    expect((await onTelegram.favorites.list.query()).map((m) => m.id).sort()).toEqual([
      'fal-ai/fast-sdxl',
      'fal-ai/flux-1/schnell',
    ]);
    const reused = await trpcError(third.me.redeemLinkCode.mutate({ code }));
    expect(reused).toMatchObject({ appCode: 'INVALID_INPUT', message: 'That link code was already used' });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it('an expired link code is refused and links nothing', async () => {
    const owner = await ensureUser(
      t.db,
      { platform: 'discord', platformUserId: 'old-olga', displayName: 'o' },
      0,
    );
    const { code } = await createLinkCode(t.db, owner.id, new Date(Date.now() - 11 * 60 * 1000));
    const late = await core.bot('telegram', { userId: 'late-larry' });
    const refused = await trpcError(late.me.redeemLinkCode.mutate({ code }));
    expect(refused.message).toMatch(/expired/);
    expect((await late.me.get.query()).identities).toHaveLength(1);
  });
});

describe('health and metrics', () => {
  it('answers /healthz and exposes Prometheus metrics', async () => {
    const health = await fetch(`${core.app.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${core.app.url}/metrics`)).text();
    expect(metrics).toMatch(/atelier_http_requests_total\{route="healthz",status="200"\} \d+/);
    expect((await fetch(`${core.app.url}/nope`)).status).toBe(404);
  });
});
