import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTelegramBot, type TelegramBot } from '../../bots/telegram/telegram.adapter';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { ingestBytes } from '../../core/src/domain/uploads/uploads.service';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../test/fakes/fal/fal-fake';
import { FakeTelegram } from '../../test/fakes/telegram/telegram-fake';
import { expectAccessible, screenshot, useBrowser } from '../../test/support/browser';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { fund } from '../../test/support/factories';
import { makeGeneration, pngBytes } from '../../test/support/generations';
import { freePort } from '../../test/support/ports';
import { waitUntil } from '../../test/support/wait';

// A real browser against a real core and the fake fal: slower than an API test, above all on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const fal = new FalFake();
const tg = new FakeTelegram({ bot: { username: 'atelier_studio_bot' } });
let port = 0;
beforeAll(async () => {
  await fal.start();
  await tg.start();
  port = await freePort();
});
afterAll(async () => {
  await tg.close();
  await fal.close();
});

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    TELEGRAM_API_ROOT: tg.apiRoot,
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);
const browser = useBrowser(core, t);

let users = 0;
/** A chat user (as a bot acts for them) signed in to the studio through the link `/web` hands out. */
async function signedInUser(opts: { width?: number; path?: string } = {}) {
  const name = `Sam Studio ${++users}`;
  const bot = await core.bot('telegram', { userId: `studio-${users}`, userName: name });
  const me = await bot.me.get.query();
  const link = await bot.auth.createSignInLink.mutate({ purpose: 'web' });
  const page = await browser.page({ width: opts.width ?? 1440, height: 1000 });
  await page.goto(new URL(link.url).pathname + new URL(link.url).search);
  await page.waitForURL('**/studio**');
  if (opts.path) await page.goto(opts.path);
  await page.getByRole('heading', { name: 'Studio', level: 1 }).waitFor();
  return { bot, page, userId: me.user.id, accountId: (await bot.credits.balance.query()).personal.accountId };
}

const history = (page: Page) => page.getByRole('list', { name: 'Your generations' });
const historyIds = (page: Page) =>
  history(page)
    .locator('li[data-id]')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));

describe('the web studio', () => {
  let bot: TelegramBot | undefined;
  afterAll(async () => {
    await bot?.stop();
  });

  it('a Telegram user opens /web, picks a model, sees its fields, generates with progress, and the result is previewed and tops the history', async () => {
    bot = await startTelegramBot({
      token: tg.token,
      coreUrl: core.app.url,
      serviceToken: await createServiceToken(t.db, { name: 'studio-telegram', platform: 'telegram' }),
      apiRoot: tg.apiRoot,
      pollingTimeoutSeconds: 1,
      progressEditIntervalMs: 50,
    });
    const user = tg.createUser({ first_name: 'Tess' });
    const dm = tg.createPrivateChat(user);
    tg.sendUserMessage(dm, user, '/web');
    const message = await waitUntil(() =>
      tg.sentMessages(dm).find((m) => /\/auth\/link\?token=/.test(JSON.stringify(m))),
    );
    const url = JSON.stringify(message).match(
      /http:\/\/127\.0\.0\.1:\d+\/auth\/link\?token=[A-Za-z0-9_-]+/,
    )![0];

    const page = await browser.page({ width: 1440, height: 1000 });
    await page.goto(new URL(url).pathname + new URL(url).search);
    await page.waitForURL('**/studio**');
    const form = page.getByRole('form', { name: 'FLUX.1 [schnell] options' });
    await form.getByLabel('Prompt (required)').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'studio-empty');

    // Another model: the URL follows, and the form shows that model's own fields.
    await page.getByRole('button', { name: /^Stable Diffusion XL/ }).click();
    await page.waitForURL(/model=fal-ai%2Ffast-sdxl/);
    await page
      .getByRole('form', { name: 'Stable Diffusion XL options' })
      .getByLabel('Negative prompt')
      .waitFor();
    await page.getByRole('button', { name: /^FLUX\.1 \[schnell\]/ }).click();
    await page.waitForURL(/model=fal-ai%2Fflux-1%2Fschnell/);
    expect(await form.getByLabel('Negative prompt').count()).toBe(0);
    expect(await form.getByLabel('Number of images').inputValue()).toBe('1');
    await form.getByText('1 to 4, default 1').waitFor();

    fal.setBehavior('fal-ai/flux-1/schnell', {
      queuePolls: 3,
      progressPolls: 3,
      webhook: false,
      output: imageOutput(pngBytes(3, 16, 12)),
    });
    await form.getByLabel('Prompt (required)').fill('a lighthouse in a storm');
    await form.getByLabel('Prompt (required)').press('Control+Enter');
    const status = page.locator('.studio-progress');
    await status.waitFor();
    await screenshot(page, 'studio-progress');
    await page.getByRole('button', { name: 'Zoom in' }).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('heading', { name: 'a lighthouse in a storm', level: 2 }).count()).toBe(1);
    const first = history(page).getByRole('listitem').first();
    await expect.poll(() => first.textContent()).toContain('a lighthouse in a storm');
    expect(await first.textContent()).toContain('from Web');
    expect(
      fal.requests.find((r) => (r.input as { prompt?: string }).prompt === 'a lighthouse in a storm'),
    ).toBeDefined();
    await expectAccessible(page);
    await screenshot(page, 'studio-result');

    // Made in chat, it shows here too, marked with where it came from.
    tg.sendUserMessage(dm, user, '/gen a quiet harbour');
    await expect
      .poll(
        async () => {
          await page.reload();
          return history(page).getByRole('listitem').first().textContent();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toContain('a quiet harbour');

    // The chat result's "Continue on web" button sends a fresh private link that opens it here.
    const photo = await waitUntil(() =>
      tg.sentMessages(dm).find((m) => m.kind === 'photo' && /quiet harbour/.test(m.caption ?? '')),
    );
    const web = JSON.stringify(photo.reply_markup).match(/"callback_data":"(w:[0-9a-f-]{36})"/)![1]!;
    const sentBefore = tg.sentMessages(dm).length;
    tg.pressButton(dm, user, photo.message_id, web);
    const sent = await waitUntil(() =>
      tg
        .sentMessages(dm)
        .slice(sentBefore)
        .find((m) => /Continue on the web/.test(JSON.stringify(m))),
    );
    const continueUrl = JSON.stringify(sent).match(
      /http:\/\/127\.0\.0\.1:\d+\/auth\/link\?token=[A-Za-z0-9_-]+/,
    )![0];
    const phone = await browser.page({ width: 390 });
    await phone.goto(new URL(continueUrl).pathname + new URL(continueUrl).search);
    await phone.waitForURL(`**/studio?g=${web.slice(2)}`);
    await phone.getByRole('heading', { name: 'a quiet harbour', level: 2 }).waitFor();
    expect(await history(page).getByRole('listitem').first().textContent()).toContain('from Telegram');
  });

  it('favorites toggled on the web come first in the chat model list, and the other way round', async () => {
    const { page, bot } = await signedInUser();
    await page.getByRole('button', { name: 'Favorite Google Veo 3', exact: true }).click();
    await expect.poll(async () => (await bot.catalog.list.query({}))[0]?.id).toBe('fal-ai/veo3');
    await bot.favorites.toggle.mutate({ model: 'fal-ai/stable-audio' });
    await page.reload();
    const favorites = page.getByRole('list', { name: 'Favorites' });
    await expect
      .poll(() => favorites.getByRole('listitem').allTextContents())
      .toEqual([expect.stringContaining('Google Veo 3'), expect.stringContaining('Stable Audio Open')]);
    expect(
      await page
        .getByRole('button', { name: 'Favorite Google Veo 3', exact: true })
        .getAttribute('aria-pressed'),
    ).toBe('true');
    await screenshot(page, 'studio-favorites');
  });

  it('image to video: an uploaded image reaches fal as the model input', async () => {
    const { page } = await signedInUser({ path: '/studio?model=fal-ai/stable-video' });
    const form = page.getByRole('form', { name: 'Stable Video Diffusion options' });
    await form
      .getByLabel('Upload a file')
      .setInputFiles({ name: 'boat.png', mimeType: 'image/png', buffer: pngBytes(5, 32, 24) });
    await form.getByRole('img', { name: 'Chosen Start image' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'studio-upload');
    fal.setBehavior('fal-ai/stable-video', { immediate: true, webhook: false });
    await form.getByRole('button', { name: 'Generate' }).click();
    const request = await waitUntil(() => fal.requests.find((r) => r.appId === 'fal-ai/stable-video'));
    // Core hands fal the file through fal's storage: the bytes fal received are the ones uploaded.
    const imageUrl = (request.input as { image_url?: string }).image_url;
    const uploaded = fal.uploads.find((f) => f.url === imageUrl);
    expect(uploaded?.bytes.equals(pngBytes(5, 32, 24))).toBe(true);
  });

  it('a LoRA trained in chat is offered for a LoRA model, and its scale reaches fal', async () => {
    const { page, bot, userId, accountId } = await signedInUser();
    await fund(t.db, accountId, 500);
    fal.setBehavior('fal-ai/flux-lora-fast-training', {
      immediate: true,
      webhook: false,
      output: (_input, ctx) => ({
        diffusers_lora_file: {
          url: ctx.addFile('lora.safetensors', Buffer.from('weights'), 'application/octet-stream'),
        },
        config_file: { url: ctx.addFile('config.json', Buffer.from('{}'), 'application/json') },
      }),
    });
    const uploadIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const asset = await ingestBytes(core.app.deps, userId, {
        kind: 'image',
        bytes: pngBytes(40 + i, 8, 8),
        contentType: 'image/png',
      });
      uploadIds.push(asset.id);
    }
    await bot.loras.train.mutate({ name: 'Ink wash', uploadIds });
    await waitUntil(async () => (await bot.loras.list.query()).find((l) => l.status === 'ready'));

    await page.goto('/studio?model=fal-ai/flux-lora');
    const form = page.getByRole('form', { name: 'FLUX.1 [dev] with LoRAs options' });
    await form.getByRole('checkbox', { name: 'Ink wash' }).check();
    const slider = form.getByLabel('Scale for Ink wash');
    await slider.fill('0.65');
    await form.getByLabel('Prompt (required)').fill('a heron in ink');
    await expectAccessible(page);
    await screenshot(page, 'studio-lora');
    fal.setBehavior('fal-ai/flux-lora', { immediate: true, webhook: false });
    await form.getByRole('button', { name: 'Generate' }).click();
    const request = await waitUntil(() =>
      fal.requests.find(
        (r) =>
          r.appId === 'fal-ai/flux-lora' &&
          (r.input as { prompt?: string }).prompt?.includes('a heron in ink'),
      ),
    );
    expect((request.input as { loras: { path: string; scale: number }[] }).loras).toEqual([
      { path: expect.stringMatching(/^http/), scale: 0.65 },
    ]);
  });

  it('publish from the preview shows the item on /gallery, unpublish removes it, delete removes it from history and storage', async () => {
    const { page, userId, accountId } = await signedInUser();
    const made = await makeGeneration(t.db, core.app.deps.storage, {
      userId,
      accountId,
      prompt: 'a paper crane',
    });
    await page.reload();
    await history(page)
      .getByRole('button', { name: /a paper crane/ })
      .click();
    await page.getByRole('button', { name: 'Publish to gallery' }).click();
    await page.getByRole('button', { name: 'Unpublish' }).waitFor();
    const gallery = await browser.page();
    await gallery.goto('/gallery');
    await gallery.getByRole('link', { name: 'a paper crane' }).waitFor();

    await page.getByRole('button', { name: 'Unpublish' }).click();
    await page.getByRole('button', { name: 'Publish to gallery' }).waitFor();
    await gallery.reload();
    await gallery
      .getByRole('list', { name: 'Gallery items' })
      .or(gallery.getByText(/nothing|no items/i))
      .first()
      .waitFor();
    expect(await gallery.getByRole('link', { name: 'a paper crane' }).count()).toBe(0);

    const keys = await t.db
      .selectFrom('generation_outputs')
      .select('storage_key')
      .where('generation_id', '=', made.id)
      .execute();
    expect(keys.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this result?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect.poll(() => historyIds(page)).not.toContain(made.id);
    for (const { storage_key } of keys) {
      expect(await core.app.deps.storage.head(storage_key!)).toBeNull();
    }
  });

  it('insufficient credits names the price and the balance and links to billing; an out-of-range option shows its error and holds nothing', async () => {
    const { page, bot } = await signedInUser({ path: '/studio?model=fal-ai/veo2' });
    const veo = page.getByRole('form', { name: 'Google Veo 2 options' });
    await veo.getByLabel('Prompt (required)').fill('a glacier calving');
    const alert = veo.getByRole('alert').filter({ hasText: 'Insufficient credits' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/This costs \d+ credits; you have 50 credits/);
    expect(
      await alert.getByRole('link', { name: 'Buy credits on the billing page' }).getAttribute('href'),
    ).toBe('/billing');
    await expectAccessible(page);
    await screenshot(page, 'studio-insufficient');

    await page.goto('/studio');
    const form = page.getByRole('form', { name: 'FLUX.1 [schnell] options' });
    await form.getByLabel('Prompt (required)').fill('too many foxes');
    await form.getByLabel('Number of images').fill('9');
    await form.getByRole('button', { name: 'Generate' }).click();
    const error = form
      .getByRole('alert')
      .filter({ hasText: /4|at most|less/i })
      .first();
    await error.waitFor();
    expect(await form.getByLabel('Number of images').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'studio-field-error');
    const balance = await bot.credits.balance.query();
    expect(balance.personal).toMatchObject({ available: 50, held: 0 });
    expect((await bot.history.list.query({ limit: 10 })).items).toEqual([]);
  });

  it('history scrolls through 500 items without duplicates or gaps, and arrow keys move through it', async () => {
    const { page, userId, accountId } = await signedInUser();
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 500; i++) {
      await makeGeneration(t.db, core.app.deps.storage, {
        userId,
        accountId,
        prompt: `item ${i}`,
        outputs: 0,
        // Pairs share a timestamp, so the keyset's tie-break on id is exercised.
        createdAt: new Date(start + Math.floor(i / 2) * 1000),
      });
    }
    await page.reload();
    const list = history(page);
    await list.getByRole('listitem').first().waitFor();
    for (let round = 0; round < 60; round++) {
      // Counted before scrolling: the list also loads by itself while its end is in view, and the
      // last page may arrive at any moment (then the Load more row goes away).
      const before = (await historyIds(page)).length;
      const more = list.getByRole('button', { name: /Load more|Loading/ });
      if ((await more.count()) === 0) break;
      await more.scrollIntoViewIfNeeded({ timeout: 5_000 }).catch(() => {});
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('[aria-label="Your generations"] li[data-id]').length > n ||
          !document.querySelector('[aria-label="Your generations"] .studio-history-more'),
        before,
      );
    }
    const shown = await historyIds(page);
    const expected = await t.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    expect(shown.length).toBe(500);
    expect(new Set(shown).size).toBe(500);
    expect(shown).toEqual(expected.map((r) => r.id));

    const selected = () => list.locator('li:has(> [aria-current="true"])').getAttribute('data-id');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowDown');
    await expect.poll(selected).toBe(shown[0]);
    expect(page.url()).toContain(`g=${shown[0]}`);
    await page.keyboard.press('ArrowDown');
    await expect.poll(selected).toBe(shown[1]);
    expect(page.url()).toContain(`g=${shown[1]}`);
    await page.keyboard.press('ArrowUp');
    await expect.poll(selected).toBe(shown[0]);
    expect(page.url()).toContain(`g=${shown[0]}`);
  });

  it('on a phone-width screen the columns stack and stay accessible', async () => {
    const { page, userId, accountId } = await signedInUser({ width: 390 });
    await makeGeneration(t.db, core.app.deps.storage, { userId, accountId, prompt: 'a tide pool' });
    await page.reload();
    await history(page)
      .getByRole('button', { name: /a tide pool/ })
      .click();
    await page.getByRole('button', { name: 'Zoom in' }).waitFor();
    const widths = await page.evaluate(() =>
      ['.studio-left', '.studio-centre', '.studio-right'].map((s) =>
        document.querySelector(s)!.getBoundingClientRect(),
      ),
    );
    expect(widths[0]!.bottom).toBeLessThanOrEqual(widths[1]!.top);
    expect(widths[1]!.bottom).toBeLessThanOrEqual(widths[2]!.top);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await screenshot(page, 'studio-phone');
  });
});
