import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, User } from 'grammy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { addBlockedTerm } from '../../core/src/domain/moderation/prompt-blocklist.service';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../test/fakes/fal/fal-fake';
import { FakeTelegram, type SentMessage } from '../../test/fakes/telegram/telegram-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { fund, makeUser } from '../../test/support/factories';
import { pngBytes } from '../../test/support/generations';
import { freePort } from '../../test/support/ports';
import { waitUntil } from '../../test/support/wait';
import { startTelegramBot, type TelegramBot, type TelegramBotOptions } from './telegram.adapter';

const SCHNELL = 'fal-ai/flux-1/schnell';
const RED = pngBytes(7, 4, 3);
const fal = new FalFake();
const tg = new FakeTelegram({ bot: { username: 'atelier_test_bot' } });
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

const running: TelegramBot[] = [];
async function startBot(extra: Partial<TelegramBotOptions> = {}): Promise<TelegramBot> {
  const serviceToken = await createServiceToken(t.db, {
    // One bot, restarted: a fresh token under the bot's stable name (request keys are scoped to it).
    name: 'telegram-test-bot',
    platform: 'telegram',
  });
  const bot = await startTelegramBot({
    token: tg.token,
    coreUrl: core.app.url,
    serviceToken,
    apiRoot: tg.apiRoot,
    pollingTimeoutSeconds: 1,
    progressEditIntervalMs: 50,
    albumQuietMs: 300,
    ...extra,
  });
  running.push(bot);
  return bot;
}
async function stopBot(bot: TelegramBot) {
  running.splice(running.indexOf(bot), 1);
  await bot.stop();
}
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop();
});

function person(name: string): { user: User; dm: Chat } {
  const user = tg.createUser({ first_name: name });
  return { user, dm: tg.createPrivateChat(user) };
}

/** The text a message was first sent with (before any edit). */
const firstText = (m: SentMessage) => m.history[0]?.message.text ?? m.text ?? '';
const buttonsOf = (m: SentMessage) =>
  (
    (m.reply_markup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)
      ?.inline_keyboard ?? []
  ).flat();
const actionOf = (m: SentMessage, prefix: string) =>
  buttonsOf(m).find((b) => b.callback_data?.startsWith(prefix))?.callback_data;

async function balanceOf(user: User) {
  const client = await core.bot('telegram', { userId: String(user.id) });
  return (await client.credits.balance.query()).personal;
}
async function generationsOf(user: User) {
  return t.db
    .selectFrom('generations')
    .innerJoin('identities', 'identities.user_id', 'generations.user_id')
    .select(['generations.id', 'generations.status', 'generations.model_id', 'generations.rerolled_from'])
    .where('identities.platform', '=', 'telegram')
    .where('identities.platform_user_id', '=', String(user.id))
    .orderBy('generations.created_at')
    .execute();
}
const inputOf = (r: { input: unknown } | undefined) =>
  (r?.input ?? {}) as { prompt?: string; image_url?: string };
const requestFor = (prompt: string) => fal.requests.find((r) => inputOf(r).prompt === prompt);
const photosIn = (chat: Chat) => tg.sentMessages(chat).filter((m) => m.kind === 'photo');

describe('generating from Telegram', () => {
  it('/gen a red fox: a progress message edited in place, then a photo with buttons; the price stated is what was charged', async () => {
    fal.setBehavior(SCHNELL, {
      queuePolls: 2,
      progressPolls: 2,
      output: imageOutput(RED, { width: 4, height: 3 }),
      webhook: false,
    });
    await startBot();
    const { user, dm } = person('Alice');
    tg.sendUserMessage(dm, user, '/gen a red fox');

    const photo = await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    expect(photo.media?.bytes?.equals(RED)).toBe(true);
    expect(photo.caption).toContain('“a red fox”');
    const [generation] = await generationsOf(user);
    expect(buttonsOf(photo).map((b) => b.callback_data)).toEqual(
      ['r', 'p', 'f', 'w', 'x', 'v', 'a', '3', 'd'].map((verb) => `${verb}:${generation!.id}`),
    );
    const progress = tg.sentMessages(dm).find((m) => firstText(m).startsWith('Generating with'))!;
    expect(firstText(progress)).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
    await tg.waitFor(() =>
      tg
        .sentMessages(dm)
        .find((m) => m.message_id === progress.message_id)
        ?.text?.startsWith('Done'),
    );
    const edited = tg.sentMessages(dm).find((m) => m.message_id === progress.message_id)!;
    expect(edited.history.length).toBeGreaterThanOrEqual(1);
    expect(edited.text).toBe('Done: FLUX.1 [schnell], 1 credit.');
    expect(photo.reply_to_message_id).toBe(progress.message_id);
    expect(await balanceOf(user)).toMatchObject({ available: 49, held: 0 });
  });

  it('a photo captioned "/gen make it night" goes to the model as its input image', async () => {
    fal.setBehavior('fal-ai/flux/dev/image-to-image', {
      immediate: true,
      output: imageOutput(RED),
      webhook: false,
    });
    await startBot();
    const { user, dm } = person('Pia');
    const photoBytes = pngBytes(3, 6, 5);
    tg.sendUserPhoto(dm, user, photoBytes, { caption: '/gen make it night' });

    await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    const request = requestFor('make it night');
    expect(request?.appId).toBe('fal-ai/flux/dev/image-to-image');
    const uploaded = fal.uploads.find((f) => f.url === inputOf(request).image_url);
    expect(uploaded?.bytes.equals(photoBytes)).toBe(true);
    const progress = tg.sentMessages(dm).find((m) => firstText(m).startsWith('Generating with'))!;
    expect(firstText(progress)).toContain('FLUX.1 [dev] image-to-image for 3 credits');
  });

  it('--count 2 arrives as an album, with the buttons on a message under it', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED, { count: 2 }), webhook: false });
    await startBot();
    const { user, dm } = person('Tess');
    tg.sendUserMessage(dm, user, '/gen two foxes --count 2 --size 16:9');
    const controls = await tg.waitForSent(
      dm,
      (m) => m.kind === 'text' && actionOf(m, 'r:') !== undefined,
      20_000,
    );
    const album = tg.sentMessages(dm).filter((m) => m.method === 'sendMediaGroup');
    expect(album).toHaveLength(2);
    expect(album.every((m) => m.media?.bytes?.equals(RED))).toBe(true);
    expect(controls.reply_to_message_id).toBe(album[0]!.message_id);
    expect(inputOf(requestFor('two foxes'))).toMatchObject({ num_images: 2, image_size: 'landscape_16_9' });
    expect(await balanceOf(user)).toMatchObject({ available: 48, held: 0 });
  });

  it('/gen in reply to a photo uses that photo', async () => {
    fal.setBehavior('fal-ai/flux/dev/image-to-image', {
      immediate: true,
      output: imageOutput(RED),
      webhook: false,
    });
    await startBot();
    const { user, dm } = person('Rita');
    const photoBytes = pngBytes(11, 5, 5);
    const { message } = tg.sendUserPhoto(dm, user, photoBytes);
    tg.sendUserMessage(dm, user, '/gen as a watercolor', { replyTo: message });
    await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    const uploaded = fal.uploads.find((f) => f.url === inputOf(requestFor('as a watercolor')).image_url);
    expect(uploaded?.bytes.equals(photoBytes)).toBe(true);
  });
});

describe('result buttons', () => {
  it('Publish makes a gallery candidate, Reroll makes a second generation, and another member is refused', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const group = tg.createGroupChat({ title: 'Artists' });
    const alice = tg.createUser({ first_name: 'Alice' });
    const bob = tg.createUser({ first_name: 'Bob' });
    tg.sendUserMessage(group, alice, '/imagine a lighthouse at dusk');
    const photo = await tg.waitForSent(group, (m) => m.kind === 'photo', 20_000);
    const [original] = await generationsOf(alice);

    const publish = tg.pressButton(group, alice, photo.message_id, actionOf(photo, 'p:')!);
    await tg.waitFor(() => tg.callbackAnswer(publish.callbackQuery.id), 10_000);
    expect(tg.callbackAnswer(publish.callbackQuery.id)?.text).toMatch(/gallery/);
    const feed = await core.anonymous().gallery.feed.query({});
    expect(feed.items.map((i) => i.id)).toContain(original!.id);
    await tg.waitFor(() =>
      actionOf(tg.sentMessages(group).find((m) => m.message_id === photo.message_id)!, 'u:'),
    );

    const before = await balanceOf(alice);
    const refused = tg.pressButton(group, bob, photo.message_id, actionOf(photo, 'r:')!);
    await tg.waitFor(() => tg.callbackAnswer(refused.callbackQuery.id), 10_000);
    expect(tg.callbackAnswer(refused.callbackQuery.id)).toMatchObject({
      text: expect.stringMatching(/only the person who made this/i),
      show_alert: true,
    });
    const bobDelete = tg.pressButton(group, bob, photo.message_id, actionOf(photo, 'd:')!);
    await tg.waitFor(() => tg.callbackAnswer(bobDelete.callbackQuery.id), 10_000);
    expect(await generationsOf(alice)).toHaveLength(1);
    expect(await generationsOf(bob)).toHaveLength(0);
    expect(await balanceOf(alice)).toEqual(before);

    const reroll = tg.pressButton(group, alice, photo.message_id, actionOf(photo, 'r:')!);
    await tg.waitFor(() => tg.callbackAnswer(reroll.callbackQuery.id), 10_000);
    await tg.waitFor(() => photosIn(group).length === 2, 20_000);
    const all = await generationsOf(alice);
    expect(all).toHaveLength(2);
    expect(all[1]!.rerolled_from).toBe(original!.id);
  });
});

describe('follow-ups', () => {
  it('Vary and Upscale run the follow-ups core offers on the result, each replying with its own progress', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    fal.setBehavior('fal-ai/flux/dev/image-to-image', {
      immediate: true,
      output: imageOutput(RED),
      webhook: false,
    });
    // The upscaler answers with one `image`, not a list.
    const one = imageOutput(RED, { width: 8, height: 6 });
    fal.setBehavior('fal-ai/clarity-upscaler', {
      immediate: true,
      output: (input, ctx) => ({ image: (one(input, ctx) as { images: unknown[] }).images[0] }),
      webhook: false,
    });
    await startBot();
    const { user, dm } = person('Vera');
    tg.sendUserMessage(dm, user, '/gen a quiet harbour');
    const photo = await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    const labels = buttonsOf(photo).map((b) => b.text);
    expect(labels).toEqual(expect.arrayContaining(['Upscale', 'Vary', 'Animate', 'Make 3D']));

    const vary = tg.pressButton(dm, user, photo.message_id, actionOf(photo, 'v:')!);
    expect((await tg.waitFor(() => tg.callbackAnswer(vary.callbackQuery.id), 10_000)).text).toMatch(/…$/);
    const upscale = tg.pressButton(dm, user, photo.message_id, actionOf(photo, 'x:')!);
    await tg.waitFor(() => tg.callbackAnswer(upscale.callbackQuery.id), 10_000);
    await tg.waitFor(() => photosIn(dm).length === 3, 20_000);
    // Vary keeps the prompt and takes the result as its image.
    const varied = fal.requests.filter(
      (r) => r.appId === 'fal-ai/flux/dev/image-to-image' && inputOf(r).prompt === 'a quiet harbour',
    );
    expect(varied).toHaveLength(1);
    expect(inputOf(varied[0]).image_url).toMatch(/^https?:\/\//);
    expect(fal.requests.some((r) => r.appId === 'fal-ai/clarity-upscaler')).toBe(true);
    // The result is posted first; its progress message is closed right after.
    const varyProgress = await tg.waitFor(
      () =>
        tg
          .sentMessages(dm)
          .filter((m) => firstText(m).startsWith('Generating with'))
          .find((m) => m.text?.startsWith('Done: FLUX.1 [dev] image-to-image')),
      10_000,
    );
    expect(varyProgress.text).toMatch(/^Done: FLUX\.1 \[dev\] image-to-image, \d+ credits?\.$/);
    const all = await generationsOf(user);
    expect(all.map((g) => g.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await balanceOf(user)).toMatchObject({ held: 0 });
  });
});

describe('models, settings and LoRAs', () => {
  it('the /models picker sets the default model that the next /gen uses', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { user, dm } = person('Mona');
    tg.sendUserMessage(dm, user, '/models image');
    const list = await tg.waitForSent(dm, (m) => (m.text ?? '').includes('Stable Diffusion XL'), 10_000);
    expect(list.text).toMatch(/FLUX\.1 \[schnell\] \(flux\): 1 credit per image/);
    const press = tg.pressButton(dm, user, list.message_id, 'm:fal-ai/fast-sdxl');
    await tg.waitFor(() => tg.callbackAnswer(press.callbackQuery.id), 10_000);
    expect(tg.callbackAnswer(press.callbackQuery.id)?.text).toBe(
      'Stable Diffusion XL is now your default model.',
    );
    tg.sendUserMessage(dm, user, '/gen a castle');
    await tg.waitForSent(
      dm,
      (m) => firstText(m) === 'Generating with Stable Diffusion XL for 1 credit…',
      10_000,
    );
  });

  it('with private delivery on, a result asked for in a group arrives by direct message', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { user, dm } = person('Priya');
    const group = tg.createGroupChat({ title: 'Quiet group' });
    tg.sendUserMessage(dm, user, '/settings private on');
    await tg.waitForSent(dm, (m) => (m.text ?? '').startsWith('Saved.'), 10_000);
    tg.sendUserMessage(group, user, '/gen a secret garden');
    await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    await tg.waitForSent(
      group,
      (m) => (m.text ?? '').endsWith('I sent the result to you privately.'),
      10_000,
    );
    expect(photosIn(group)).toHaveLength(0);
  });

  it('an album captioned /lora train collects every photo and starts training', async () => {
    fal.setBehavior('fal-ai/flux-lora-fast-training', { manual: true, webhook: false });
    await startBot();
    const { user, dm } = person('Lola');
    const client = await core.bot('telegram', { userId: String(user.id) });
    await fund(t.db, (await client.credits.balance.query()).personal.accountId, 500);
    tg.sendUserAlbum(dm, user, [
      { bytes: pngBytes(21, 8, 8), caption: '/lora train my style' },
      { bytes: pngBytes(22, 8, 8) },
      { bytes: pngBytes(23, 8, 8) },
      { bytes: pngBytes(24, 8, 8) },
      { bytes: pngBytes(25, 8, 8) },
    ]);
    const training = await tg.waitForSent(
      dm,
      (m) => (m.text ?? '').startsWith('Training “my style”'),
      20_000,
    );
    expect(training.text).toMatch(/^Training “my style” for \d+ credits \(trigger word: my_style\)…/);
    expect(await client.loras.list.query()).toEqual([
      expect.objectContaining({ name: 'my style', status: 'training' }),
    ]);
    const uploads = await t.db
      .selectFrom('uploads')
      .innerJoin('identities', 'identities.user_id', 'uploads.user_id')
      .select('uploads.id')
      .where('identities.platform_user_id', '=', String(user.id))
      .execute();
    expect(uploads).toHaveLength(5);
    tg.sendUserMessage(dm, user, '/lora list');
    await tg.waitForSent(dm, (m) => /my style - trigger my_style - training/.test(m.text ?? ''), 10_000);
  });
});

describe('the first answer to a plain prompt', () => {
  /** Every text a message has shown, the first one first. */
  const textsOf = (chat: Chat, messageId: number) => {
    const m = tg.sentMessages(chat).find((x) => x.message_id === messageId)!;
    return [...m.history.map((v) => v.message.text ?? ''), m.text ?? ''];
  };

  it('names the model core chose last time at once; a default changed elsewhere is corrected before it starts', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    fal.setBehavior('fal-ai/fast-sdxl', { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { user, dm } = person('Quinn');
    tg.sendUserMessage(dm, user, '/gen a kite');
    await tg.waitFor(() => photosIn(dm).length === 1, 15_000);
    // Someone new to this bot: the catalog's default, which is also what core chose.
    const first = tg.sentMessages(dm).find((m) => firstText(m).startsWith('Generating with'))!;
    expect(firstText(first)).toBe('Generating with FLUX.1 [schnell] for 1 credit…');

    // The default changes where this bot cannot see it (the studio, another chat app).
    const elsewhere = await core.bot('telegram', { userId: String(user.id) });
    await elsewhere.me.updateSettings.mutate({ defaultModel: 'fal-ai/fast-sdxl' });
    tg.sendUserMessage(dm, user, '/gen a second kite');
    await tg.waitFor(() => photosIn(dm).length === 2, 15_000);
    const second = tg
      .sentMessages(dm)
      .filter((m) => firstText(m).startsWith('Generating with'))
      .at(-1)!;
    await tg.waitFor(() => textsOf(dm, second.message_id).at(-1)?.startsWith('Done'), 10_000);
    const shown = textsOf(dm, second.message_id);
    // The remembered model first, then core's: the price named is always the one charged.
    expect(shown[0]).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
    expect(shown).toContain('Generating with Stable Diffusion XL for 1 credit…');
    expect(shown.at(-1)).toBe('Done: Stable Diffusion XL, 1 credit.');
    expect((await generationsOf(user)).map((g) => g.model_id)).toEqual([SCHNELL, 'fal-ai/fast-sdxl']);

    // Learned: the next one names the new default straight away.
    tg.sendUserMessage(dm, user, '/gen a third kite');
    await tg.waitFor(() => photosIn(dm).length === 3, 15_000);
    const third = tg
      .sentMessages(dm)
      .filter((m) => firstText(m).startsWith('Generating with'))
      .at(-1)!;
    expect(firstText(third)).toBe('Generating with Stable Diffusion XL for 1 credit…');
  });

  it('a prompt core refuses turns that first answer into the reason; nothing is held', async () => {
    const { user: admin } = await makeUser(t.db);
    await addBlockedTerm(t.db, { term: 'forbidden lighthouse', reason: 'test', actorUserId: admin.id });
    await startBot();
    const { user, dm } = person('Rhea');
    tg.sendUserMessage(dm, user, '/gen a forbidden lighthouse at dusk');
    await tg.waitFor(
      () => tg.sentMessages(dm).some((m) => /forbidden lighthouse/.test(m.text ?? '')),
      15_000,
    );
    const messages = tg.sentMessages(dm);
    // One message: announced, then replaced by why, not a second message beside a stale announcement.
    expect(messages).toHaveLength(1);
    expect(firstText(messages[0]!)).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
    expect(messages[0]!.text).toMatch(/forbidden lighthouse/);
    expect(messages[0]!.text).not.toMatch(/^Generating/);
    expect(await generationsOf(user)).toHaveLength(0);
    expect(await balanceOf(user)).toMatchObject({ available: 50, held: 0 });
  });
});

describe('refusals and failures', () => {
  it('insufficient credits: the price, the balance and a billing link; nothing held', async () => {
    await startBot();
    const { user, dm } = person('Bruno');
    tg.sendUserMessage(dm, user, '/gen an epic film --model veo');
    const answer = await tg.waitForSent(dm, (m) => /Not enough credits/.test(m.text ?? ''), 15_000);
    const price = Number(/for (\d+) credits/.exec(firstText(answer))?.[1]);
    expect(price).toBeGreaterThan(50);
    expect(answer.text).toContain(`this costs ${price} credits and you have 50 credits`);
    expect(answer.text).toMatch(new RegExp(`top up here: ${core.app.url}/auth/link\\?token=\\S+`));
    expect(await balanceOf(user)).toMatchObject({ available: 50, held: 0 });
    expect(await generationsOf(user)).toHaveLength(0);
  });

  it('a provider failure: a plain-language reason and the credits back', async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      error: {
        status: 422,
        detail: [{ loc: ['body', 'prompt'], msg: 'prompt is not allowed', type: 'value_error' }],
      },
      webhook: false,
    });
    await startBot();
    const { user, dm } = person('Fritz');
    tg.sendUserMessage(dm, user, '/gen a forbidden thing --model dev');
    const failed = await tg.waitForSent(dm, (m) => (m.text ?? '').startsWith('Failed'), 20_000);
    expect(failed.text).toMatch(/prompt is not allowed.*Your 3 credits were returned\./);
    expect(failed.text).not.toMatch(/Error|stack|undefined/);
    await waitUntil(async () => (await balanceOf(user)).held === 0);
    expect(await balanceOf(user)).toMatchObject({ available: 50, held: 0 });
  });

  it('unknown commands and bad arguments get short usage text', async () => {
    await startBot();
    const { user, dm } = person('Uma');
    tg.sendUserMessage(dm, user, '/frobnicate now');
    tg.sendUserMessage(dm, user, '/gen');
    tg.sendUserMessage(dm, user, '/gen a fox --count many');
    tg.sendUserMessage(dm, user, '/gen a fox --wings 3');
    await tg.waitFor(() => tg.sentMessages(dm).length >= 4, 10_000);
    const texts = tg.sentMessages(dm).map((m) => m.text ?? '');
    expect(texts).toContainEqual(
      expect.stringMatching(/^I don't know \/frobnicate\. Try \/generate <prompt>, or \/help/),
    );
    expect(texts).toContainEqual(expect.stringMatching(/^Say what to make\.\nUsage: \/generate <prompt>/));
    expect(texts).toContainEqual(expect.stringMatching(/^--count needs a whole number\.\nUsage: \/generate/));
    expect(texts).toContainEqual(
      expect.stringMatching(/^FLUX\.1 \[schnell\] has no option (--)?wings; it takes: .*seed/),
    );
    for (const text of texts) expect(text.length).toBeLessThan(400);
    expect(await generationsOf(user)).toHaveLength(0);
  });
});

describe('delivery and duplicates', () => {
  it('the bot restarted while a job ran: the result is still delivered exactly once', async () => {
    fal.setBehavior('fal-ai/fast-sdxl', { manual: true, output: imageOutput(RED), webhook: false });
    const first = await startBot();
    const { user, dm } = person('Rex');
    tg.sendUserMessage(dm, user, '/gen a patient robot --model sdxl');
    const [generation] = await waitUntil(async () => {
      const rows = await generationsOf(user);
      return rows[0] &&
        fal.requests.some((r) => (r.input as { prompt?: string }).prompt === 'a patient robot')
        ? rows
        : null;
    });
    await stopBot(first);
    await fal.complete(requestFor('a patient robot')!.id);
    await waitUntil(async () => (await generationsOf(user))[0]?.status === 'succeeded', {
      timeoutMs: 20_000,
    });
    expect(photosIn(dm)).toHaveLength(0);

    const second = await startBot();
    await tg.waitFor(() => photosIn(dm).length === 1, 20_000);
    await waitUntil(async () => {
      const rows = await t.db
        .selectFrom('deliveries')
        .select('acked_at')
        .where('generation_id', '=', generation!.id)
        .execute();
      return rows.length === 1 && rows[0]!.acked_at !== null;
    });
    // Stopping waits for everything the bot still had in flight: nothing more can arrive after it.
    await stopBot(second);
    expect(photosIn(dm)).toHaveLength(1);
    const progress = tg.sentMessages(dm).find((m) => firstText(m).startsWith('Generating with'))!;
    expect(progress.text).toBe('Done: Stable Diffusion XL, 1 credit.');
  });

  it('the same update delivered twice makes one generation, also after a restart', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    const first = await startBot();
    const { user, dm } = person('Dora');
    const { update } = tg.sendUserMessage(dm, user, '/gen once only');
    await tg.waitForSent(dm, (m) => m.kind === 'photo', 20_000);
    tg.redeliver(update);
    // Settled: the bot confirmed the repeat (it left Telegram's queue) and finished its work on stop.
    await tg.waitFor(() => tg.pendingUpdates().length === 0, 10_000);
    await stopBot(first);
    expect(await generationsOf(user)).toHaveLength(1);

    const second = await startBot();
    tg.redeliver(update);
    await tg.waitFor(
      () => tg.sentMessages(dm).filter((m) => firstText(m).startsWith('Generating with')).length === 2,
      10_000,
    );
    await stopBot(second);
    expect(await generationsOf(user)).toHaveLength(1);
    expect(photosIn(dm)).toHaveLength(1);
    expect(await balanceOf(user)).toMatchObject({ available: 49, held: 0 });
  });
});

describe('webhook mode', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
    await tg.bot.call('deleteWebhook', {});
  });

  it('rejects a wrong secret token with 401 and handles updates Telegram signs', async () => {
    let handler: TelegramBot['webhookHandler'];
    server = createServer((req, res) => {
      if (!handler) return void res.writeHead(503).end();
      void handler(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bot = await startBot({ publicUrl, webhookSecret: 'right-secret' });
    handler = bot.webhookHandler;
    expect(handler).toBeDefined();
    expect(tg.calls('setWebhook').at(-1)?.params).toMatchObject({
      url: `${publicUrl}/webhooks/telegram`,
      secret_token: 'right-secret',
    });

    const body = JSON.stringify({
      update_id: 999_999,
      message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: '/help' },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${publicUrl}/webhooks/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong-secret' })).status).toBe(401);
    expect((await post({})).status).toBe(401);

    const { user, dm } = person('Wendy');
    tg.sendUserMessage(dm, user, '/help');
    const help = await tg.waitForSent(dm, (m) => (m.text ?? '').includes('/generate'), 10_000);
    expect(help.text).toContain('Atelier makes images');
    expect(tg.webhookDeliveries().some((d) => d.ok)).toBe(true);
  });
});

describe('team pools', () => {
  it('a group admin sets the policy with /team; a member is refused and nothing changes; over the cap nothing is held', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const olga = tg.createUser({ first_name: 'Olga' });
    const max = tg.createUser({ first_name: 'Max' });
    const group = tg.createGroupChat({ title: 'Studio', creator: olga });
    const said = (pattern: RegExp) => tg.waitForSent(group, (m) => pattern.test(m.text ?? ''), 15_000);

    // The command menu comes from the kit's one list, new commands included.
    expect(tg.commands()?.map((c) => c.command)).toEqual(
      expect.arrayContaining(['generate', 'team', 'cancel']),
    );
    tg.sendUserMessage(group, olga, '/team cap 0');
    const saved = await said(/^Studio: team credits\nSaved\. This group's pool: 200 credits/);
    expect(saved.text).toContain('Monthly cap per member: 0 credits');
    expect(saved.text).toContain('Change it with /team cap');
    expect(await tg.bot.call('getChatMember', { chat_id: group.id, user_id: olga.id })).toMatchObject({
      ok: true,
      result: { status: 'creator' },
    });

    tg.sendUserMessage(group, max, '/team cap 500');
    await said(/^You are not allowed to do that here: only admins of this space can change its team policy/i);
    tg.sendUserMessage(group, max, '/usage');
    const memberView = await said(/^Studio: team credits\nThis group's pool/);
    expect(memberView.text).toContain('Monthly cap per member: 0 credits');
    expect(memberView.text).toMatch(/Spent in \d{4}-\d{2} \(you\): Max 0 credits/);
    expect(memberView.text).not.toContain('Change it with');

    tg.sendUserMessage(group, max, '/gen a pricey fox');
    await said(
      /^That would go past your monthly limit in this group: this costs 1 credit and you have used 0 of your 0 credits this month\./,
    );
    expect(await generationsOf(max)).toHaveLength(0);
    const pool = await t.db
      .selectFrom('credit_accounts')
      .innerJoin('spaces', 'spaces.id', 'credit_accounts.space_id')
      .select(['credit_accounts.available', 'credit_accounts.held'])
      .where('spaces.platform_space_id', '=', String(group.id))
      .executeTakeFirstOrThrow();
    expect(pool).toEqual({ available: 200, held: 0 });
  });
});

describe('cancel', () => {
  it('the Cancel button on a running job stops it: the credits come back and the message says so', async () => {
    fal.setBehavior(SCHNELL, { manual: true, webhook: false });
    await startBot();
    const { user, dm } = person('Carl');
    tg.sendUserMessage(dm, user, '/gen a very long render');
    const progress = await tg.waitForSent(dm, (m) => actionOf(m, 'c:') !== undefined, 15_000);
    expect(buttonsOf(progress).map((b) => b.text)).toEqual(['Cancel']);
    const press = tg.pressButton(dm, user, progress.message_id, actionOf(progress, 'c:')!);
    const answer = await tg.waitFor(() => tg.callbackAnswer(press.callbackQuery.id), 10_000);
    expect(answer.text).toMatch(/^Cancelled [0-9a-f]{8} \(FLUX\.1 \[schnell\]\); your 1 credit came back\.$/);
    await tg.waitFor(
      () =>
        tg.sentMessages(dm).find((m) => m.message_id === progress.message_id)?.text ===
        'Cancelled; your 1 credit came back.',
      10_000,
    );
    const after = tg.sentMessages(dm).find((m) => m.message_id === progress.message_id)!;
    expect(buttonsOf(after)).toEqual([]);
    expect(await balanceOf(user)).toMatchObject({ available: 50, held: 0 });
    expect((await generationsOf(user))[0]?.status).toBe('cancelled');
  });
});
