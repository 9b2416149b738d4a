// The Discord bot against the fake Discord (real discord.js), real core and Postgres, and the fake fal.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import {
  CallbackType,
  type FakeChannel,
  FakeDiscord,
  type FakeGuild,
  type FakeUser,
  type StoredMessage,
} from '../../test/fakes/discord/discord-fake';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { pngBytes } from '../../test/support/generations';
import { freePort } from '../../test/support/ports';
import { waitUntil } from '../../test/support/wait';
import { type DiscordBot, type DiscordBotOptions, startDiscordBot } from './discord.adapter';
import { USE_AS_INPUT } from './discord-commands';

const SCHNELL = 'fal-ai/flux-1/schnell';
const IMAGE_TO_IMAGE = 'fal-ai/flux/dev/image-to-image';
const RED = pngBytes(7, 4, 3);
const fal = new FalFake();
const discord = new FakeDiscord();
let port = 0;

beforeAll(async () => {
  await fal.start();
  await discord.start();
  port = await freePort();
});
afterAll(async () => {
  await discord.close();
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
    DISCORD_CDN_URL: discord.cdnUrl,
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

const running: DiscordBot[] = [];
let tokens = 0;
async function startBot(extra: Partial<DiscordBotOptions> = {}): Promise<DiscordBot> {
  const serviceToken = await createServiceToken(t.db, {
    name: `discord-test-${++tokens}`,
    platform: 'discord',
  });
  const bot = await startDiscordBot({
    token: discord.token,
    applicationId: discord.applicationId,
    coreUrl: core.app.url,
    serviceToken,
    apiUrl: discord.apiUrl,
    cdnUrl: discord.cdnUrl,
    progressEditIntervalMs: 50,
    ...extra,
  });
  running.push(bot);
  return bot;
}
async function stopBot(bot: DiscordBot): Promise<void> {
  running.splice(running.indexOf(bot), 1);
  await bot.stop();
}
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop();
});

/** A server with its owner (an admin), a member and a #studio channel. */
function server(name = 'Studio'): {
  owner: FakeUser;
  member: FakeUser;
  guild: FakeGuild;
  channel: FakeChannel;
} {
  const owner = discord.createUser({ username: `${name.toLowerCase()}-owner` });
  const member = discord.createUser({ username: `${name.toLowerCase()}-member` });
  const guild = discord.createGuild({ name, owner });
  discord.addMember(guild, member);
  const channel = discord.createTextChannel(guild, { name: 'studio' });
  return { owner, member, guild, channel };
}

const inputOf = (r: { input: unknown } | undefined) =>
  (r?.input ?? {}) as { prompt?: string; image_url?: string };
const requestFor = (prompt: string) => fal.requests.find((r) => inputOf(r).prompt === prompt);
async function generationsOf(user: FakeUser) {
  return t.db
    .selectFrom('generations')
    .innerJoin('identities', 'identities.user_id', 'generations.user_id')
    .select(['generations.id', 'generations.status', 'generations.model_id'])
    .where('identities.platform', '=', 'discord')
    .where('identities.platform_user_id', '=', user.id)
    .orderBy('generations.created_at')
    .execute();
}
async function balanceOf(user: FakeUser) {
  const client = await core.bot('discord', { userId: user.id });
  return (await client.credits.balance.query()).personal;
}
/** Every delivery of the generation is acknowledged (the bot is done with it). */
async function deliveredOnce(generationId: string): Promise<void> {
  await waitUntil(
    async () => {
      const rows = await t.db
        .selectFrom('deliveries')
        .select('acked_at')
        .where('generation_id', '=', generationId)
        .execute();
      return rows.length === 1 && rows[0]!.acked_at !== null;
    },
    { timeoutMs: 20_000, label: 'the delivery to be acknowledged' },
  );
}
const buttonsOf = (m: StoredMessage) =>
  m.components.flatMap((row) => (row.components as { custom_id?: string; label?: string }[]) ?? []);

/** The bot's message in `channel` that satisfies `check`, as `viewer` sees it. */
function waitForMessage(
  channel: FakeChannel,
  viewer: FakeUser,
  check: (m: StoredMessage) => boolean,
  timeoutMs = 20_000,
) {
  return discord.waitFor(
    () => discord.transcript(channel, viewer).find((e) => e.fromBot && check(e.message))?.message,
    { timeoutMs, label: 'a bot message' },
  );
}

describe('generating from Discord', () => {
  it('/imagine: deferred within 3 s, progress edited in place, then the image with buttons; fal got the prompt', async () => {
    fal.setBehavior(SCHNELL, { queuePolls: 2, progressPolls: 2, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server();
    const run = discord.as(owner).slash(channel, 'imagine', { prompt: 'a red fox' });

    const ack = await run.acknowledged();
    expect(ack.type).toBe(CallbackType.DeferredChannelMessage);
    expect(ack.latencyMs).toBeLessThan(3_000);
    const result = await waitForMessage(channel, member, (m) => m.attachments.length > 0);
    expect(result.attachments[0]?.bytes.equals(RED)).toBe(true);
    expect(buttonsOf(result).map((b) => b.label)).toEqual(expect.arrayContaining(['Reroll', 'Publish']));
    expect(requestFor('a red fox')?.appId).toBe(SCHNELL);

    const progress = await run.responseWhere((m) => m.content.startsWith('Done'));
    const shown = progress.versions.map((v) => v.content);
    expect(shown[0]).toBe(''); // the deferred "thinking" answer
    expect(shown).toContain('Generating with FLUX.1 [schnell] for 1 credit…');
    expect(shown).toContain('Generating with FLUX.1 [schnell] for 1 credit: queued (position 1)…');
    expect(shown.some((text) => /for 1 credit: ▰+▱+ \d+%$/.test(text))).toBe(true);
    expect(progress.content).toBe('Done: FLUX.1 [schnell], 1 credit.');
  });

  it('the image option reaches fal as the input of an image-to-image model', async () => {
    fal.setBehavior(IMAGE_TO_IMAGE, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, channel } = server('Painters');
    const photo = pngBytes(3, 6, 5);
    discord.as(owner).slash(channel, 'generate', {
      prompt: 'make it night',
      image: { filename: 'day.png', bytes: photo, contentType: 'image/png' },
    });
    await waitForMessage(channel, owner, (m) => m.attachments.length > 0);
    const request = requestFor('make it night');
    expect(request?.appId).toBe(IMAGE_TO_IMAGE);
    expect(fal.uploads.find((f) => f.url === inputOf(request).image_url)?.bytes.equals(photo)).toBe(true);
  });

  it('Use as input on a message with an image opens a form; its prompt generates from that image', async () => {
    fal.setBehavior(IMAGE_TO_IMAGE, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server('Cats');
    const photo = pngBytes(9, 7, 7);
    const posted = discord
      .as(member)
      .post(channel, 'my cat', [{ filename: 'cat.png', bytes: photo, contentType: 'image/png' }]);
    const menu = discord.as(owner).messageCommand(posted, USE_AS_INPUT);
    expect((await menu.acknowledged()).type).toBe(CallbackType.Modal);
    discord.as(owner).submitModal(menu, { prompt: 'as a watercolour' });
    await waitForMessage(channel, member, (m) => m.attachments.length > 0);
    const request = requestFor('as a watercolour');
    expect(fal.uploads.find((f) => f.url === inputOf(request).image_url)?.bytes.equals(photo)).toBe(true);

    const plain = discord.as(owner).post(channel, 'no picture here');
    const refused = discord.as(owner).messageCommand(plain, USE_AS_INPUT);
    await refused.acknowledged();
    expect(refused.response()).toMatchObject({
      content: 'That message has no image to use as input.',
      visibleTo: owner.id,
    });
  });
});

describe('autocomplete', () => {
  it('the model option autocompletes from the catalog, at most 25 choices, answered without deferring', async () => {
    await startBot();
    const { owner, channel } = server('Typing');
    // The kit answers from its cache; the first keystrokes may come before it has loaded.
    const choices = await waitUntil(async () => {
      const offered = await discord
        .as(owner)
        .autocomplete(channel, 'imagine', 'model', 'sd', { prompt: 'x' });
      return offered.length > 0 ? offered : null;
    });
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices.map((c) => c.name).join(' ')).toMatch(/Stable Diffusion XL/);
    const last = discord.interactions.all.at(-1)!;
    expect(last.callback?.type).toBe(CallbackType.AutocompleteResult);
  });
});

describe('buttons', () => {
  it('result buttons work after a bot restart; another member is refused privately and nothing is made', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    const first = await startBot();
    const { owner, member, channel } = server('Restart');
    discord.as(owner).slash(channel, 'imagine', { prompt: 'a lighthouse' });
    const result = await waitForMessage(channel, owner, (m) => m.attachments.length > 0);
    const reroll = buttonsOf(result).find((b) => b.label === 'Reroll')?.custom_id;
    expect(reroll).toBeDefined();
    await stopBot(first);
    await startBot();

    const refused = discord.as(member).press(result, reroll!);
    const notice = await discord.waitFor(
      () => refused.followUps()[0] ?? (refused.response() !== result ? refused.response() : null),
    );
    expect(notice.visibleTo).toBe(member.id);
    expect(notice.content).toMatch(/^Only the person who made this can use its buttons/);
    expect(await generationsOf(member)).toHaveLength(0);
    expect(await generationsOf(owner)).toHaveLength(1);

    const again = discord.as(owner).press(result, reroll!);
    expect((await again.acknowledged()).type).toBe(CallbackType.DeferredUpdateMessage);
    await waitUntil(
      async () =>
        (await generationsOf(owner)).length === 2 && (await generationsOf(owner))[1]!.status === 'succeeded',
      {
        timeoutMs: 20_000,
      },
    );
    await waitForMessage(channel, member, (m) => m.attachments.length > 0 && m.id !== result.id);
  });
});

describe('refusals and failures', () => {
  it('insufficient credits in a DM: the price, the balance and a billing link; nothing held', async () => {
    await startBot();
    const loner = discord.createUser({ username: 'loner' });
    const dm = discord.dmChannel(loner);
    const run = discord.as(loner).slash(dm, 'generate', { prompt: 'an epic film', model: 'veo' });
    const answer = await run.responseWhere((m) => /Not enough credits/.test(m.content));
    expect(answer.content).toMatch(/this costs \d+ credits and you have 50 credits; top up here: /);
    expect(answer.content).toMatch(new RegExp(`top up here: ${core.app.url}/auth/link\\?token=\\S+`));
    expect(await balanceOf(loner)).toMatchObject({ available: 50, held: 0 });
    expect(await generationsOf(loner)).toHaveLength(0);
  });

  it('insufficient credits in a server: the reason and a private link for the asker alone; nothing held', async () => {
    await startBot();
    const { owner, member, channel } = server('Short');
    const run = discord.as(member).slash(channel, 'generate', { prompt: 'an epic film', model: 'veo' });
    const shared = await run.responseWhere((m) => m.content.startsWith('Not started'));
    expect(shared.visibleTo).toBeNull();
    expect(shared.content).not.toMatch(/credits|auth\/link/);
    const reason = await discord.waitFor(
      () => run.followUps().find((m) => /Not enough credits/.test(m.content)),
      { label: 'the ephemeral reason' },
    );
    expect(reason.visibleTo).toBe(member.id);
    expect(reason.content).toMatch(/this costs \d+ credits and you have 50 credits; top up here: /);
    expect(reason.content).toMatch(new RegExp(`top up here: ${core.app.url}/auth/link\\?token=\\S+`));
    // Nobody else in the channel sees the reason or the link.
    const othersSee = discord
      .transcript(channel, owner)
      .map((e) => e.message.content)
      .join('\n');
    expect(othersSee).not.toMatch(/Not enough credits|auth\/link/);
    expect(await balanceOf(member)).toMatchObject({ available: 50, held: 0 });
    expect(await generationsOf(member)).toHaveLength(0);
  });

  it('a provider failure says why in words and gives the credits back', async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      error: {
        status: 422,
        detail: [{ loc: ['body', 'prompt'], msg: 'prompt is not allowed', type: 'value_error' }],
      },
      webhook: false,
    });
    await startBot();
    const { owner, channel } = server('Failures');
    const run = discord.as(owner).slash(channel, 'generate', { prompt: 'a forbidden thing', model: 'dev' });
    const failed = await run.responseWhere((m) => m.content.startsWith('Failed'));
    expect(failed.content).toMatch(/prompt is not allowed.*Your 3 credits were returned\./);
    await waitUntil(async () => (await balanceOf(owner)).held === 0);
    expect(await balanceOf(owner)).toMatchObject({ available: 50, held: 0 });
  });

  it('a usage mistake is answered at once, privately, and nothing is made', async () => {
    await startBot();
    const { owner, member, channel } = server('Usage');
    const run = discord.as(owner).slash(channel, 'team cap', { credits: 'lots' });
    const ack = await run.acknowledged();
    expect(ack.type).toBe(CallbackType.ChannelMessage);
    expect(run.response()).toMatchObject({ visibleTo: owner.id });
    expect(run.response()?.content).toMatch(/A cap is a whole number of credits, or off/);
    expect(discord.transcript(channel, member)).toEqual([]);
  });
});

describe('rate limits', () => {
  it('429s on edits and posts are waited out: the progress still ends and the result arrives once', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server('Busy');
    const from = discord.rest.calls.length;
    discord.rest.rateLimitNext(
      { method: 'PATCH', path: '/webhooks/:applicationId/:token/messages/:messageId' },
      { times: 2, retryAfterMs: 200 },
    );
    discord.rest.rateLimitNext(
      { method: 'POST', path: '/webhooks/:applicationId/:token' },
      { times: 1, retryAfterMs: 200 },
    );
    const run = discord.as(owner).slash(channel, 'imagine', { prompt: 'a queue of foxes' });
    await run.responseWhere((m) => m.content.startsWith('Done'));
    const [generation] = await generationsOf(owner);
    await deliveredOnce(generation!.id);
    expect(discord.transcript(channel, member).filter((e) => e.files.length > 0)).toHaveLength(1);
    const statuses = discord.rest.calls
      .slice(from)
      .filter((c) => c.path.startsWith('/webhooks/'))
      .map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });
});

describe('after the 15-minute token', () => {
  it('a result that finishes later is posted to the channel with a mention; the progress message still ends', async () => {
    fal.setBehavior(SCHNELL, { manual: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server('Slow');
    const run = discord.as(owner).slash(channel, 'imagine', { prompt: 'a slow sunrise' });
    await waitUntil(() => requestFor('a slow sunrise'));
    await run.responseWhere((m) => m.content.startsWith('Generating'));
    discord.clock.advance(15 * 60_000 + 1);
    await fal.complete(requestFor('a slow sunrise')!.id);

    const result = await waitForMessage(channel, member, (m) => m.attachments.length > 0);
    expect(result.webhookId).toBeNull();
    expect(result.mentions).toEqual([owner.id]);
    expect(result.content.startsWith(`<@${owner.id}>`)).toBe(true);
    await run.responseWhere((m) => m.content.startsWith('Done'));
  });

  it('a permanent refusal (no permission to post) is acknowledged, logged, and does not come back', async () => {
    fal.setBehavior(SCHNELL, { manual: true, output: imageOutput(RED), webhook: false });
    const warnings: string[] = [];
    const record = (msg: string, fields?: Record<string, unknown>) =>
      warnings.push(`${msg} ${JSON.stringify(fields ?? {})}`);
    await startBot({ logger: { debug() {}, info() {}, warn: record, error: record } });
    const { owner, guild } = server('Locked');
    const locked = discord.createTextChannel(guild, { name: 'announcements', botAccess: 'read-only' });
    discord.as(owner).slash(locked, 'imagine', { prompt: 'a closed door' });
    await waitUntil(() => requestFor('a closed door'));
    discord.clock.advance(15 * 60_000 + 1);
    await fal.complete(requestFor('a closed door')!.id);
    const [generation] = await waitUntil(async () => {
      const rows = await generationsOf(owner);
      return rows[0]?.status === 'succeeded' ? rows : null;
    });
    await deliveredOnce(generation!.id);
    expect(discord.transcript(locked, owner).filter((e) => e.files.length > 0)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/50013/);
  });
});

describe('servers and DMs', () => {
  it('a DM generates on the personal account', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const solo = discord.createUser({ username: 'solo' });
    const dm = discord.dmChannel(solo);
    discord.as(solo).slash(dm, 'imagine', { prompt: 'a quiet room' });
    await waitForMessage(dm, solo, (m) => m.attachments.length > 0);
    await waitUntil(async () => (await balanceOf(solo)).available === 49);
  });

  it('a server admin sets a cap with /team cap; a member is refused; a member over the cap is refused with nothing held', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server('Pool');
    const refused = discord.as(member).slash(channel, 'team cap', { credits: '5' });
    const no = await refused.responseWhere((m) => m.content.length > 0);
    expect(no.visibleTo).toBe(member.id);
    expect(no.content).toMatch(/not allowed|admin/i);

    const set = discord.as(owner).slash(channel, 'team cap', { credits: '1' });
    const yes = await set.responseWhere((m) => m.content.length > 0 || m.embeds.length > 0);
    expect(yes.visibleTo).toBe(owner.id);

    discord.as(member).slash(channel, 'imagine', { prompt: 'first from the pool' });
    await waitForMessage(channel, member, (m) => m.attachments.length > 0);
    const over = discord.as(member).slash(channel, 'imagine', { prompt: 'one too many' });
    await over.responseWhere((m) => m.content.startsWith('Not started'));
    const capped = await discord.waitFor(
      () => over.followUps().find((m) => /monthly limit/.test(m.content)),
      {
        label: 'the cap refusal',
      },
    );
    expect(capped.visibleTo).toBe(member.id);
    expect(capped.content).toMatch(/used 1 of your 1 credit this month/);
    expect(requestFor('one too many')).toBeUndefined();
    expect((await generationsOf(member)).map((g) => g.status)).toEqual(['succeeded']);
  });
});

describe('media', () => {
  it('several images arrive in one message; NSFW ones are spoilered except in an age-restricted channel', async () => {
    const flagged = imageOutput(RED, { count: 2 });
    fal.setBehavior(SCHNELL, {
      immediate: true,
      webhook: false,
      output: (input, ctx) => ({ ...(flagged(input, ctx) as object), has_nsfw_concepts: [true, true] }),
    });
    await startBot();
    const { owner, member, guild, channel } = server('Spicy');
    const adults = discord.createTextChannel(guild, { name: 'after-dark', nsfw: true });
    discord.as(owner).slash(channel, 'imagine', { prompt: 'two foxes', count: 2 });
    discord.as(owner).slash(adults, 'imagine', { prompt: 'two more foxes', count: 2 });
    const hidden = await waitForMessage(channel, member, (m) => m.attachments.length > 0);
    const open = await waitForMessage(adults, member, (m) => m.attachments.length > 0);
    expect(hidden.attachments.map((a) => a.filename.startsWith('SPOILER_'))).toEqual([true, true]);
    expect(open.attachments.map((a) => a.filename.startsWith('SPOILER_'))).toEqual([false, false]);
    expect(open.attachments.every((a) => a.bytes.equals(RED))).toBe(true);
  });
});

describe('the gateway', () => {
  it('drops mid-job: the bot resumes and the result is delivered once', async () => {
    fal.setBehavior(SCHNELL, { manual: true, output: imageOutput(RED), webhook: false });
    await startBot();
    const { owner, member, channel } = server('Flaky');
    discord.as(owner).slash(channel, 'imagine', { prompt: 'through the storm' });
    await waitUntil(() => requestFor('through the storm'));
    const resumesBefore = discord.gateway.stats.resumes;
    discord.gateway.dropConnections();
    await fal.complete(requestFor('through the storm')!.id);
    const [generation] = await waitUntil(async () => {
      const rows = await generationsOf(owner);
      return rows[0]?.status === 'succeeded' ? rows : null;
    });
    await deliveredOnce(generation!.id);
    await discord.waitFor(() => discord.gateway.stats.resumes > resumesBefore, { label: 'a resume' });
    expect(discord.transcript(channel, member).filter((e) => e.files.length > 0)).toHaveLength(1);

    const after = discord.as(member).slash(channel, 'imagine', { prompt: 'after the storm' });
    expect((await after.acknowledged()).type).toBe(CallbackType.DeferredChannelMessage);
  });
});
