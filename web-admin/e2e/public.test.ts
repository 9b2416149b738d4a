import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StripeFake } from '../../test/fakes/stripe/stripe-fake';
import { expectAccessible, screenshot, tabTo, useBrowser } from '../../test/support/browser';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { makeUser } from '../../test/support/factories';
import { makeGeneration } from '../../test/support/generations';

// A real browser against a real core: slower than an API test, above all on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

const t = useTestDatabase();
const stripe = new StripeFake();
beforeAll(() => stripe.start());
afterAll(() => stripe.stop());
const core = useTestCore(t, () => stripe.env());
const browser = useBrowser(core, t);

async function publish(prompt: string, opts: { category?: 'image' | 'video'; author?: string } = {}) {
  const author = opts.author ?? 'Ada Artist';
  const { user, accountId, platformUserId } = await makeUser(t.db, { name: author, platform: 'discord' });
  const bot = await core.bot('discord', { userId: platformUserId, userName: author });
  const g = await makeGeneration(t.db, core.app.deps.storage, {
    userId: user.id,
    accountId,
    prompt,
    category: opts.category,
  });
  await bot.gallery.publish.mutate({ id: g.id });
  return g.id;
}

/** A chat user's bot asks for a sign-in link (from a team chat when `space` is given). */
async function signInLink(
  opts: { space?: { id: string; name: string }; spaceAdmin?: boolean; purpose?: 'web' | 'billing' } = {},
) {
  const bot = await core.bot('discord', {
    userId: `buyer-${randomUUID()}`,
    userName: 'Bea Buyer',
    space: opts.space ? { ...opts.space, kind: 'guild' } : null,
  });
  const link = await bot.auth.createSignInLink.mutate({
    purpose: opts.purpose ?? 'billing',
    spaceAdmin: opts.spaceAdmin ?? false,
  });
  return { bot, url: link.url, path: new URL(link.url).pathname + new URL(link.url).search };
}

describe('public gallery', () => {
  it('lists approved items by category, loads more on scroll, and an item page shows the details', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await publish(`scroll item ${i}`));
    const video = await publish('a drifting jellyfish', { category: 'video', author: 'Vic Video' });

    const page = await browser.page();
    await page.goto('/gallery');
    const cards = page.getByRole('list', { name: 'Gallery items' }).getByRole('listitem');
    await expect.poll(() => cards.count()).toBe(24);
    await expectAccessible(page);
    await screenshot(page, 'gallery');
    await page.getByRole('button', { name: 'Load more' }).scrollIntoViewIfNeeded();
    await expect.poll(() => cards.count()).toBe(31);
    const shown = await page
      .getByRole('list', { name: 'Gallery items' })
      .getByRole('heading')
      .allTextContents();
    expect(new Set(shown).size).toBe(31);

    await page.getByRole('link', { name: 'Video', exact: true }).click();
    await expect.poll(() => cards.count()).toBe(1);
    await page.getByRole('link', { name: 'a drifting jellyfish' }).click();
    await page.waitForURL(`**/gallery/${video}`);
    await page.getByRole('heading', { name: 'a drifting jellyfish', level: 1 }).waitFor();
    expect(await page.getByText('Vic Video').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'gallery-item');
  });

  it('a shared item link previews in chat apps: Open Graph tags in the served HTML, escaped', async () => {
    const id = await publish('a "quoted" <b>bold</b> owl');
    const html = await (await fetch(`${core.app.url}/gallery/${id}`)).text();
    expect(html).toContain(
      '<meta property="og:title" content="a &#34;quoted&#34; &#60;b&#62;bold&#60;/b&#62; owl">',
    );
    expect(html).toContain(`<meta property="og:url" content="${core.app.url}/gallery/${id}">`);
    expect(html).toMatch(/<meta property="og:image" content="http:\/\/127\.0\.0\.1:\d+\/files\/[^"]+">/);
    expect(html).toContain('<title>a &#34;quoted&#34; &#60;b&#62;bold&#60;/b&#62; owl · Atelier</title>');
    const admin = await core.web('admin');
    await admin.client.moderation.act.mutate({ ids: [id], action: 'remove', reason: 'Test removal' });
    const after = await (await fetch(`${core.app.url}/gallery/${id}`)).text();
    expect(after).not.toContain('owl');
    expect(after).not.toContain('og:title');
  });

  it('a signed-in user reports an item with a typed reason; a visitor is told to sign in', async () => {
    const id = await publish('a suspicious banner');
    const visitor = await browser.page();
    await visitor.goto(`/gallery/${id}`);
    await visitor.getByRole('button', { name: 'Report this item' }).click();
    const dialog = visitor.getByRole('dialog', { name: 'Report this item' });
    await dialog.getByText(/Reports come from signed-in users/).waitFor();
    await expectAccessible(visitor);
    await screenshot(visitor, 'gallery-report');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/Sign in first/);

    const { path } = await signInLink({ purpose: 'web' });
    const page = await browser.page();
    await page.goto(path);
    await page.waitForURL('**/studio');
    await page.goto(`/gallery/${id}`);
    await page.getByRole('button', { name: 'Report this item' }).click();
    await page.getByRole('radio', { name: 'Hate' }).check();
    await page.getByLabel('Details (optional)').fill('Slurs in the banner');
    await page.getByRole('button', { name: 'Send report' }).click();
    await page.getByText('Thank you. A moderator will look at this item.').waitFor();
    const admin = await core.web('admin');
    const queue = await admin.client.moderation.queue.query({ tab: 'reported' });
    const reported = queue.items.find((i) => i.id === id);
    expect(reported?.reasons).toEqual([{ category: 'hate', count: 1 }]);
    expect(reported?.latestReports[0]?.details).toBe('Slurs in the banner');
  });

  it('works by keyboard: category links and item links are reachable with Tab', async () => {
    await publish('a keyboard-only cat', { category: 'image' });
    const page = await browser.page({ width: 390, height: 844 });
    await page.goto('/gallery');
    await page.getByRole('link', { name: 'Skip to content' }).waitFor({ state: 'attached' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await tabTo(page, 'Image');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/gallery?category=image');
    await tabTo(page, 'a keyboard-only cat');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'a keyboard-only cat', level: 1 }).waitFor();
    await screenshot(page, 'gallery-item-phone');
  });
});

describe('sign-in links', () => {
  it('a link from the bot signs the user in once; used, expired and tampered links say so', async () => {
    const link = await signInLink();
    const page = await browser.page();
    await page.goto(link.path);
    await page.waitForURL('**/billing');
    expect(page.url()).not.toContain('token=');

    const again = await browser.page();
    await again.goto(link.path);
    await again.getByRole('heading', { name: 'This link was already used' }).waitFor();
    expect(await again.getByText('/web').count()).toBeGreaterThan(0);
    await expectAccessible(again);
    await screenshot(again, 'sign-in-link-used');

    const tampered = await browser.page();
    await tampered.goto(`${link.path.slice(0, -4)}AAAA`);
    await tampered.getByRole('heading', { name: 'This link is not valid' }).waitFor();

    const old = await signInLink();
    await t.db
      .updateTable('sign_in_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('used_at', 'is', null)
      .execute();
    const expired = await browser.page();
    await expired.goto(old.path);
    await expired.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await screenshot(expired, 'sign-in-link-expired');
    const billing = await expired.evaluate(async () => (await fetch('/trpc/billing.overview')).status);
    expect(billing).toBe(401);
  });
});

describe('billing', () => {
  /** Stands in for Stripe's hosted page: pays the session and returns to the app's success URL. */
  async function payOnStripe(page: import('playwright-core').Page) {
    await page.route(`${stripe.url}/pay/*`, async (route) => {
      const sessionId = new URL(route.request().url()).pathname.split('/').pop()!;
      const session = stripe.sessions.get(sessionId)!;
      const completed = stripe.event('checkout.session.completed', stripe.pay(sessionId));
      const webhook = `${core.app.url}/webhooks/stripe`;
      // Stripe retries and reorders: the same event three times, one of them with a bad signature first.
      expect((await stripe.deliver(webhook, completed, { signature: 't=1,v1=bad' })).status).toBe(400);
      for (let i = 0; i < 3; i++) expect((await stripe.deliver(webhook, completed)).status).toBe(200);
      await route.fulfill({
        status: 303,
        headers: { location: session.success_url.replace('{CHECKOUT_SESSION_ID}', sessionId) },
      });
    });
  }

  it('a user from /buy buys a pack; the webhook arrives three times; the balance rises once', async () => {
    const { path } = await signInLink();
    const page = await browser.page();
    await page.goto(path);
    await page.waitForURL('**/billing');
    await expect.poll(() => page.getByTestId('personal-balance').textContent()).toBe('50 credits');
    await expectAccessible(page);
    await screenshot(page, 'billing');

    await payOnStripe(page);
    await page.getByRole('button', { name: /^Buy Starter/ }).click();
    await page.waitForURL('**/billing/success?session_id=*');
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    expect(await page.getByText('500 credits were added to your balance.').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'billing-success');

    await page.getByRole('link', { name: 'Back to your credits' }).click();
    await expect.poll(() => page.getByTestId('personal-balance').textContent()).toBe('550 credits');
    const row = page.getByRole('row', { name: /Starter/ });
    await expect.poll(() => row.getByText('Paid').count()).toBe(1);
    expect(await row.getByRole('link', { name: /Receipt/ }).getAttribute('href')).toMatch(/^http/);
  });

  it('cancelling checkout says nothing was charged', async () => {
    const page = await browser.page();
    await page.goto('/billing/cancel');
    await page.getByRole('heading', { name: 'Checkout cancelled' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'billing-cancel');
  });

  it('a team admin buys for the team pool; a member who is not an admin cannot', async () => {
    const space = { id: `guild-${randomUUID()}`, name: 'Pixel Guild' };
    const admin = await signInLink({ space, spaceAdmin: true });
    const page = await browser.page();
    await page.goto(admin.path);
    await page.waitForURL('**/billing');
    await payOnStripe(page);
    await page.getByRole('button', { name: /^Buy Creator .* for the team pool$/ }).click();
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    expect(await page.getByText('1,200 credits were added to the Pixel Guild pool.').count()).toBe(1);
    await page.getByRole('link', { name: 'Back to your credits' }).click();
    await expect.poll(() => page.getByTestId('team-balance').textContent()).toBe('1,200 credits');
    await screenshot(page, 'billing-team-admin');

    const member = await signInLink({ space, spaceAdmin: false });
    const other = await browser.page();
    await other.goto(member.path);
    await other.waitForURL('**/billing');
    await other.getByText('Only the admins of Pixel Guild can buy credits for its team pool.').waitFor();
    expect(await other.getByRole('button', { name: /for the team pool/ }).count()).toBe(0);
    const status = await other.evaluate(async () => {
      const res = await fetch('/trpc/billing.checkout', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-atelier-csrf': '1' },
        body: JSON.stringify({
          json: { packId: 'starter', account: 'team', requestKey: crypto.randomUUID() },
        }),
      });
      return res.status;
    });
    expect(status).toBe(403);
  });
});

describe('billing without a Stripe key', () => {
  const bare = useTestCore(t);
  const bareBrowser = useBrowser(bare, t);
  it('says billing is not configured instead of failing', async () => {
    const bot = await bare.bot('telegram', { userId: `u-${randomUUID()}` });
    const link = await bot.billing.link.mutate({});
    const page = await bareBrowser.page();
    await page.goto(new URL(link.url).pathname + new URL(link.url).search);
    await page.getByText('Billing is not configured').waitFor();
    expect(await page.getByRole('button', { name: /^Buy/ }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'billing-not-configured');
  });
});

describe('media and remaining pages', () => {
  it('video, audio and 3D items get their players; the 3D page loads the interactive viewer', async () => {
    const { user, accountId, platformUserId } = await makeUser(t.db, {
      name: 'Mia Media',
      platform: 'discord',
    });
    const bot = await core.bot('discord', { userId: platformUserId, userName: 'Mia Media' });
    const made: Record<string, string> = {};
    for (const [category, kind, mediaType] of [
      ['video', 'video', 'video/mp4'],
      ['music', 'audio', 'audio/mpeg'],
      ['3d', 'model3d', 'model/gltf-binary'],
    ] as const) {
      const g = await makeGeneration(t.db, core.app.deps.storage, {
        userId: user.id,
        accountId,
        category,
        prompt: `a ${category} piece`,
        outputs: 0,
      });
      const key = `outputs/${g.id}/0.bin`;
      await core.app.deps.storage.put(key, Buffer.from('not really media'), mediaType);
      await t.db
        .insertInto('generation_outputs')
        .values({ generation_id: g.id, position: 0, kind, storage_key: key, media_type: mediaType, size: 16 })
        .execute();
      await bot.gallery.publish.mutate({ id: g.id });
      made[category] = g.id;
    }
    const page = await browser.page();
    await page.goto('/gallery');
    await page.getByRole('link', { name: 'a video piece' }).waitFor();
    expect(await page.locator('video[controls]').count()).toBe(1);
    expect(await page.locator('audio[controls]').count()).toBe(1);
    expect(await page.getByRole('img', { name: '3D model: a 3d piece' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'gallery-media');

    await page.goto(`/gallery/${made['3d']}`);
    await page.locator('model-viewer').waitFor({ state: 'attached' });
    expect(await page.evaluate(() => Boolean(customElements.get('model-viewer')))).toBe(true);
    // React sets the element's `alt` property, which model-viewer uses as its accessible name.
    expect(
      await page.locator('model-viewer').evaluate((el) => (el as HTMLElement & { alt: string }).alt),
    ).toBe('a 3d piece');
    await screenshot(page, 'gallery-item-3d');
  });

  it('the sign-in help page, a missing page and a missing item say where to go; all pass axe', async () => {
    const page = await browser.page();
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Sign in to Atelier' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'signin-help');
    await page.goto('/gallery/not/a/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await expectAccessible(page);
    await page.goto(`/gallery/${randomUUID()}`);
    await page.getByRole('heading', { name: 'This item is not in the gallery' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'gallery-item-missing');
  });
});

describe('staff sign-in throttling', () => {
  it('after too many wrong passwords for a username the page says to wait, with how long', async () => {
    const page = await browser.page();
    await page.goto('/admin/login');
    await page.getByLabel('Username').fill('target@example.test');
    let message = '';
    for (let attempt = 0; attempt < 12 && !/Too many/.test(message); attempt++) {
      await page.getByLabel('Password').fill(`guess ${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await page.getByRole('alert').waitFor();
      message = (await page.getByRole('alert').textContent()) ?? '';
    }
    expect(message).toMatch(
      /Too many sign-in attempts for this username; try again later \(about \d+ minutes\)\./,
    );
    await expectAccessible(page);
    await screenshot(page, 'staff-login-throttled');
  });
});
