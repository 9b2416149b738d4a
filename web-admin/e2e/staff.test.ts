import { describe, expect, it, vi } from 'vitest';
import { createWebLogin } from '../../core/src/domain/auth/auth.service';
import { expectAccessible, screenshot, tabTo, useBrowser } from '../../test/support/browser';
import { trpcError, useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { makeUser } from '../../test/support/factories';
import { makeGeneration } from '../../test/support/generations';

// A real browser against a real core: slower than an API test, above all on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

const t = useTestDatabase();
const core = useTestCore(t);
const browser = useBrowser(core, t);

/** A user from a chat app with a published (approved) gallery item. */
async function publishedItem(prompt: string) {
  const { user, accountId, platformUserId } = await makeUser(t.db, {
    name: 'Ada Artist',
    platform: 'discord',
  });
  const bot = await core.bot('discord', { userId: platformUserId, userName: 'Ada Artist' });
  const generation = await makeGeneration(t.db, core.app.deps.storage, {
    userId: user.id,
    accountId,
    prompt,
  });
  await bot.gallery.publish.mutate({ id: generation.id });
  return { id: generation.id, userId: user.id, accountId };
}

async function reportedBy(id: string, details: string) {
  const { platformUserId } = await makeUser(t.db, { platform: 'telegram' });
  const bot = await core.bot('telegram', { userId: platformUserId });
  await bot.gallery.report.mutate({ id, reason: 'spam', details });
}

describe('staff sign-in', () => {
  it('a wrong password is refused in words; the right one opens the staff area; sign out ends it', async () => {
    const page = await browser.page();
    await page.goto('/admin/moderation');
    await page.waitForURL(/\/admin\/login\?next=/);
    await expectAccessible(page);
    await screenshot(page, 'staff-login');

    await page.getByLabel('Username').fill('nobody@example.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/wrong username or password/i);
    await screenshot(page, 'staff-login-error');

    await createWebLogin(t.db, {
      username: 'ada@example.test',
      password: 'a long enough password',
      role: 'admin',
    });
    await page.getByLabel('Username').fill('ada@example.test');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back where the sign-in page was asked for.
    await page.waitForURL('**/admin/moderation');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/admin\/login/);
    await page.goto('/admin/audit');
    await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Faudit/);
  });
});

describe('moderation', () => {
  it('an admin removes a reported item with a reason: it leaves /gallery and the audit log shows it', async () => {
    const item = await publishedItem('a neon koi pond');
    await reportedBy(item.id, 'Spam: posted in every channel');
    const gallery = await browser.page();
    await gallery.goto('/gallery');
    await expect.poll(() => gallery.getByRole('link', { name: 'a neon koi pond' }).count()).toBe(1);

    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Moderation' }).click();
    await page.getByRole('tab', { name: 'Reported' }).click();
    const card = page.getByRole('article', { name: 'a neon koi pond by Ada Artist' });
    await expect.poll(() => card.getByText('1 report').count()).toBe(1);
    expect(await card.getByText('Spam').first().count()).toBe(1);
    expect(await card.getByText('“Spam: posted in every channel”').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'moderation-queue');

    await card.getByRole('button', { name: 'Remove' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove 1 item?' });
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/at least 3 characters/);
    await dialog.getByLabel(/Reason/).fill('Spam, reported by users');
    await screenshot(page, 'moderation-confirm');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: '1 item removed.' }).count()).toBe(1);
    await expect.poll(() => card.count()).toBe(0);

    await gallery.reload();
    await gallery.getByRole('heading', { name: 'Gallery', level: 1 }).waitFor();
    await expect.poll(() => gallery.getByText(/Nothing published|Gallery items/).count()).toBeGreaterThan(0);
    expect(await gallery.getByRole('link', { name: 'a neon koi pond' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('reported by users');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByRole('row', { name: /gallery\.remove/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Spam, reported by users');
    await expectAccessible(page);
    await screenshot(page, 'audit-log');
  });

  it('bulk approval by keyboard: select with x, approve with a, confirm with a reason', async () => {
    const first = await publishedItem('pending one');
    const second = await publishedItem('pending two');
    const admin = await core.web('admin');
    await admin.client.moderation.act.mutate({
      ids: [first.id, second.id],
      action: 'hide',
      reason: 'Check again',
    });

    const page = await browser.page();
    await browser.signInAsStaff(page, 'moderator');
    await page.goto('/admin/moderation?view=hidden');
    const one = page.getByRole('article', { name: 'pending one by Ada Artist' });
    await one.waitFor();
    await one.focus();
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await expect.poll(() => page.getByText('2 selected').count()).toBe(1);
    await page.keyboard.press('a');
    const dialog = page.getByRole('dialog', { name: 'Approve 2 items?' });
    await dialog.waitFor();
    await page.keyboard.type('Looks fine after review');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: '2 items approved.' }).count())
      .toBe(1);
    const feed = await core.anonymous().gallery.feed.query({ limit: 50 });
    expect(feed.items.map((i) => i.id)).toEqual(expect.arrayContaining([first.id, second.id]));
  });
});

describe('accounts and credits', () => {
  it('an admin grants credits with a reason and the ledger shows it', async () => {
    const { accountId } = await makeUser(t.db, { name: 'Grace Granted', credits: 10 });
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Grace Granted');
    await page.keyboard.press('Enter');
    await expectAccessible(page);
    await screenshot(page, 'accounts-search');
    await page.getByRole('link', { name: 'Grace Granted' }).click();
    await page.waitForURL(`**/admin/accounts/${accountId}`);
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('10 credits');

    await page.getByLabel('Credits to add').fill('25');
    await page.getByRole('button', { name: 'Grant credits' }).click();
    await expect.poll(() => page.getByText(/at least 3 characters/).count()).toBe(1);
    await page.getByRole('textbox', { name: 'Reason (required, audited)' }).fill('Apology for the outage');
    await page.getByRole('button', { name: 'Grant credits' }).click();
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('35 credits');
    const row = page.getByRole('row', { name: /Apology for the outage/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('+25');
    await expectAccessible(page);
    await screenshot(page, 'account');
  });

  it('a moderator sees the account but no way to change credits, and core refuses the call', async () => {
    const { accountId } = await makeUser(t.db, { name: 'Mo Dest', credits: 5 });
    const page = await browser.page();
    await browser.signInAsStaff(page, 'moderator');
    await page.goto(`/admin/accounts/${accountId}`);
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('5 credits');
    expect(await page.getByRole('heading', { name: 'Change credits' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Purchases' }).count()).toBe(0);
    await screenshot(page, 'account-moderator');

    // The page's own session, calling the API directly as a tampered page would.
    const status = await page.evaluate(async (id) => {
      const res = await fetch('/trpc/admin.grant', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-atelier-csrf': '1' },
        body: JSON.stringify({
          json: { accountId: id, amount: 100, reason: 'sneaky', idempotencyKey: 'sneaky-1' },
        }),
      });
      return res.status;
    }, accountId);
    expect(status).toBe(403);
    const moderator = await core.web('moderator');
    expect(
      await trpcError(
        moderator.client.admin.grant.mutate({
          accountId,
          amount: 1,
          reason: 'nope',
          idempotencyKey: 'nope-nope',
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    const admin = await core.web('admin');
    expect(await admin.client.admin.account.query({ accountId })).toMatchObject({
      balance: { available: 5 },
    });
  });
});

describe('model catalog', () => {
  it('an admin disables a model with a reason; the list says so', async () => {
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Disable Stable Diffusion XL' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('Provider outage');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Enable Stable Diffusion XL' }).waitFor();
    const models = await core.anonymous().catalog.list.query({});
    expect(models.map((m) => m.id)).not.toContain('fal-ai/fast-sdxl');
    await expectAccessible(page);
    await screenshot(page, 'catalog');
  });
});

describe('keyboard', () => {
  it('the staff area works without a mouse: skip link, navigation, search', async () => {
    await makeUser(t.db, { name: 'Keyboard Kim' });
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.goto('/admin/audit');
    await page.getByRole('link', { name: 'Skip to content' }).waitFor({ state: 'attached' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await tabTo(page, 'Accounts');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/admin/accounts');
    // After a navigation the app moves focus to the page's main region (as a page load would): tab
    // from there once it has, or the move would pull focus out of the search box mid-way.
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    await tabTo(page, 'Search');
    await page.keyboard.type('Keyboard Kim');
    await page.keyboard.press('Enter');
    // The results arrive from core; tab to the match once it is on the page.
    await page
      .getByRole('link', { name: /Keyboard Kim/ })
      .first()
      .waitFor();
    await tabTo(page, 'Keyboard Kim');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/accounts\/[0-9a-f-]{36}$/);
  });
});

describe('dashboard, purchases and block list', () => {
  it('an admin sees charts of credits, generations, failures and the queue; a moderator lands on moderation', async () => {
    const { user, accountId } = await makeUser(t.db, { name: 'Dash User', credits: 100 });
    for (const status of ['succeeded', 'succeeded', 'failed', 'queued'] as const) {
      await makeGeneration(t.db, core.app.deps.storage, { userId: user.id, accountId, status });
    }
    await makeGeneration(t.db, core.app.deps.storage, {
      userId: user.id,
      accountId,
      status: 'queued',
      category: 'video',
    });
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    for (const title of [
      'Credits sold and spent per day',
      'Generations per category, by status',
      'Failure rate per day',
      'Queue now, by status',
    ]) {
      await page.getByRole('img', { name: new RegExp(title) }).waitFor();
    }
    const queued = await t.db
      .selectFrom('generations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['queued', 'submitted', 'processing'])
      .executeTakeFirstOrThrow();
    await expect.poll(() => page.getByTestId('queue-depth').textContent()).toBe(String(Number(queued.n)));
    const generations = page.getByRole('img', { name: /Generations per category/ });
    expect(await generations.getAttribute('aria-labelledby')).toBeTruthy();
    expect(await page.getByText(/Image: \d+; Video: \d+/).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'dashboard');

    const moderator = await browser.page();
    await browser.signInAsStaff(moderator, 'moderator');
    await moderator.goto('/admin');
    await moderator.waitForURL('**/admin/moderation');
    expect(await moderator.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
  });

  it('an admin sees every purchase', async () => {
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Purchases' }).click();
    await page.getByRole('heading', { name: 'Purchases', level: 1 }).waitFor();
    await page
      .getByText(/No purchases match|Pack/)
      .first()
      .waitFor();
    await expectAccessible(page);
    await screenshot(page, 'purchases');
  });

  it('an admin blocks a prompt term with a reason; moderators see the list but cannot edit it', async () => {
    const page = await browser.page();
    await browser.signInAsStaff(page, 'admin');
    await page.getByRole('link', { name: 'Block list' }).click();
    await page.getByLabel('Word or phrase').fill('forbidden fruit');
    await page.getByRole('textbox', { name: 'Reason (required, audited)' }).fill('Trademark complaint');
    await page.getByRole('button', { name: 'Block term' }).click();
    await page.getByText('“forbidden fruit” is now blocked.').waitFor();
    await page.getByRole('cell', { name: 'forbidden fruit', exact: true }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'blocklist');

    const { platformUserId } = await makeUser(t.db, { credits: 50 });
    const bot = await core.bot('telegram', { userId: platformUserId });
    const refused = await trpcError(
      bot.generations.create.mutate({
        input: { prompt: 'a Forbidden Fruit still life' },
      }),
    );
    expect(refused).toMatchObject({ appCode: 'PROMPT_BLOCKED' });
    expect(refused.message).toContain('forbidden fruit');

    const moderator = await browser.page();
    await browser.signInAsStaff(moderator, 'moderator');
    await moderator.goto('/admin/blocklist');
    await moderator.getByRole('cell', { name: 'forbidden fruit', exact: true }).waitFor();
    expect(await moderator.getByRole('button', { name: 'Block term' }).count()).toBe(0);
    expect(await moderator.getByRole('button', { name: /Unblock/ }).count()).toBe(0);
  });
});
