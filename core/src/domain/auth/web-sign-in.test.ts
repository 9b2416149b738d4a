import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { transformer } from '../../wire/transformer';
import { createWebLogin } from './auth.service';

const t = useTestDatabase();
const core = useTestCore(t);
const secureCore = useTestCore(t, { PUBLIC_URL: 'https://atelier.example' });

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

async function staffLogin(role: 'admin' | 'moderator') {
  const username = `${role}-${randomUUID().slice(0, 8)}@example.test`;
  const user = await createWebLogin(t.db, { username, password: 'correct horse battery', role });
  const browser = core.browser();
  await browser.client.auth.login.mutate({ username, password: 'correct horse battery' });
  return { browser, user, username };
}

describe('staff sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict cookie (not Secure on plain http) and returns no token', async () => {
    const username = `ada-${randomUUID().slice(0, 8)}@example.test`;
    await createWebLogin(t.db, { username, password: 'correct horse battery', role: 'admin' });
    const browser = core.browser();
    const result = await browser.client.auth.login.mutate({ username, password: 'correct horse battery' });
    expect(Object.keys(result)).toEqual(['expiresAt']);
    const cookie = browser.setCookies.at(-1) ?? '';
    expect(cookie).toMatch(
      /^atelier_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    const session = await browser.client.auth.session.query();
    expect(session).toMatchObject({ kind: 'password', user: { role: 'admin' }, space: null });
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const username = `sec-${randomUUID().slice(0, 8)}@example.test`;
    await createWebLogin(t.db, { username, password: 'correct horse battery', role: 'moderator' });
    const res = await fetch(`${secureCore.app.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-atelier-csrf': '1' },
      body: JSON.stringify(transformer.serialize({ username, password: 'correct horse battery' })),
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  });

  it('refuses a cookie-authenticated mutation without the CSRF header, and changes nothing', async () => {
    const { browser } = await staffLogin('admin');
    const forged = core.browser({ csrf: false });
    // The forged request carries the victim's cookie, as a cross-site form post would.
    const res = await fetch(`${core.app.url}/trpc/admin.updateModel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: browser.cookieHeader() },
      body: JSON.stringify({ modelId: 'fal-ai/fast-sdxl', enabled: false, reason: 'forged request' }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('x-atelier-csrf');
    const crossSite = await fetch(`${core.app.url}/trpc/admin.updateModel`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: browser.cookieHeader(),
        'x-atelier-csrf': '1',
        'sec-fetch-site': 'cross-site',
      },
      body: JSON.stringify({ modelId: 'fal-ai/fast-sdxl', enabled: false, reason: 'forged request' }),
    });
    expect(crossSite.status).toBe(403);
    const models = await browser.client.admin.models.query();
    expect(models.find((m) => m.id === 'fal-ai/fast-sdxl')?.enabled).toBe(true);
    expect(await trpcError(forged.client.auth.logout.mutate())).toMatchObject({
      code: 'FORBIDDEN',
      appCode: 'FORBIDDEN',
    });
  });

  it('logout ends the session: the same cookie no longer works', async () => {
    const { browser } = await staffLogin('moderator');
    const cookie = browser.cookieHeader();
    expect(await browser.client.auth.session.query()).not.toBeNull();
    await browser.client.auth.logout.mutate();
    expect(browser.setCookies.at(-1)).toMatch(/^atelier_session=; .*Max-Age=0/);
    expect(await browser.client.auth.session.query()).toBeNull();
    const replay = await fetch(`${core.app.url}/trpc/moderation.queue?input=${encodeURIComponent('{}')}`, {
      headers: { cookie },
    });
    expect(replay.status).toBe(401);
  });

  it('a moderator may moderate but not touch money or the catalog; the API refuses', async () => {
    const { browser } = await staffLogin('moderator');
    const refused = await trpcError(
      browser.client.admin.updateModel.mutate({ modelId: 'fal-ai/fast-sdxl', enabled: false, reason: 'no' }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: 'Admins only' });
    expect(await browser.client.moderation.queue.query({})).toMatchObject({ items: [] });
  });
});

describe('sign-in links from a bot', () => {
  const space = () => ({ id: `guild-${randomUUID()}`, kind: 'guild' as const, name: 'Painters' });

  it('signs the user in as the same user, bound to the space the link was made in', async () => {
    const where = space();
    const bot = await core.bot('discord', { userId: `u-${randomUUID()}`, userName: 'Pia', space: where });
    await bot.favorites.add.mutate({ model: 'sdxl' });
    const asBot = await bot.me.get.query();
    const link = await bot.auth.createSignInLink.mutate({ purpose: 'web' });
    expect(link.url).toMatch(new RegExp(`^${core.app.url}/auth/link\\?token=[A-Za-z0-9_-]{43}$`));

    const browser = core.browser();
    const redeemed = await browser.client.auth.redeemSignInLink.mutate({ token: tokenOf(link.url) });
    expect(redeemed).toMatchObject({
      user: { id: asBot.user.id, displayName: 'Pia' },
      space: { platformSpaceId: where.id, name: 'Painters' },
      spaceAdmin: false,
      redirectTo: '/studio',
    });
    expect(browser.setCookies.at(-1)).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    // The same user's data through the web session.
    const me = await browser.client.me.get.query();
    expect(me.user.id).toBe(asBot.user.id);
    expect(me.space?.platformSpaceId).toBe(where.id);
    expect((await browser.client.favorites.list.query()).map((m) => m.id)).toEqual(['fal-ai/fast-sdxl']);
    expect((await browser.client.credits.balance.query()).personal).toEqual(
      (await bot.credits.balance.query()).personal,
    );
    // What the web session does, the bot sees as the same user's.
    await browser.client.me.updateSettings.mutate({ defaultModel: 'fal-ai/fast-sdxl' });
    expect((await bot.me.get.query()).defaultModelId).toBe('fal-ai/fast-sdxl');
    const quote = await browser.client.generations.quote.query({ input: { prompt: 'a red kite' } });
    expect(quote.modelId).toBe('fal-ai/fast-sdxl');
    expect((await browser.client.history.list.query({})).items).toEqual(
      (await bot.history.list.query({})).items,
    );
  });

  it('the /buy link lands on /billing and carries what the bot said about space admins', async () => {
    const bot = await core.bot('telegram', {
      userId: `u-${randomUUID()}`,
      space: { ...space(), kind: 'group' },
    });
    const link = await bot.billing.link.mutate({ spaceAdmin: true });
    const browser = core.browser();
    const redeemed = await browser.client.auth.redeemSignInLink.mutate({ token: tokenOf(link.url) });
    expect(redeemed).toMatchObject({ redirectTo: '/billing', spaceAdmin: true });
    expect(await browser.client.auth.session.query()).toMatchObject({ kind: 'link', spaceAdmin: true });
  });

  it('refuses a used, an expired and a tampered link, each with its reason; no session is set', async () => {
    const bot = await core.bot('telegram', { userId: `u-${randomUUID()}` });
    const first = await bot.auth.createSignInLink.mutate();
    await core.browser().client.auth.redeemSignInLink.mutate({ token: tokenOf(first.url) });

    const again = core.browser();
    const used = await trpcError(again.client.auth.redeemSignInLink.mutate({ token: tokenOf(first.url) }));
    expect(used).toMatchObject({ code: 'UNAUTHORIZED', details: { problem: 'used' } });
    expect(used.message).toMatch(/already used.*Ask the bot for a new one/);
    expect(again.setCookies).toEqual([]);

    const old = await bot.auth.createSignInLink.mutate();
    // Time passes: the link is older than its 15 minutes.
    await t.db
      .updateTable('sign_in_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('used_at', 'is', null)
      .execute();
    const expired = await trpcError(
      core.browser().client.auth.redeemSignInLink.mutate({ token: tokenOf(old.url) }),
    );
    expect(expired).toMatchObject({ code: 'UNAUTHORIZED', details: { problem: 'expired' } });

    const fresh = tokenOf((await bot.auth.createSignInLink.mutate()).url);
    const tampered = `${fresh.slice(0, -1)}${fresh.endsWith('A') ? 'B' : 'A'}`;
    const forged = await trpcError(core.browser().client.auth.redeemSignInLink.mutate({ token: tampered }));
    expect(forged).toMatchObject({ code: 'UNAUTHORIZED', details: { problem: 'invalid' } });
    const garbage = await trpcError(core.browser().client.auth.redeemSignInLink.mutate({ token: 'x' }));
    expect(garbage).toMatchObject({ code: 'UNAUTHORIZED', details: { problem: 'invalid' } });
    // The untouched link still works once.
    await core.browser().client.auth.redeemSignInLink.mutate({ token: fresh });
  });

  it('a link session is not a staff session, even for a user with a staff role', async () => {
    const bot = await core.bot('telegram', { userId: `u-${randomUUID()}` });
    const me = await bot.me.get.query();
    await t.db.updateTable('users').set({ role: 'admin' }).where('id', '=', me.user.id).execute();
    const browser = core.browser();
    await browser.client.auth.redeemSignInLink.mutate({
      token: tokenOf((await bot.auth.createSignInLink.mutate()).url),
    });
    expect(await trpcError(browser.client.admin.searchAccounts.query({ query: 'x' }))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('only bots hand out links: a web session cannot mint one', async () => {
    const { browser } = await staffLogin('admin');
    expect(await trpcError(browser.client.auth.createSignInLink.mutate())).toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
