import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, GrammyError, InlineKeyboard, InputFile, InputMediaBuilder, webhookCallback } from 'grammy';
import type { Chat, User } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from './telegram-fake';
import { parseHtml, parseMarkdownV2 } from './telegram-fake-text';

/** A PNG header claiming 1024x768 (enough for the fake's dimension sniffing) plus some payload bytes. */
function fakePng(width = 1024, height = 768): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32BE(0x89504e47, 0);
  header.writeUInt32BE(0x0d0a1a0a, 4);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return Buffer.concat([header, Buffer.from('pretend-pixels-'.repeat(20))]);
}

async function errorOf(promise: Promise<unknown>): Promise<GrammyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

let tg: FakeTelegram;
let apiRoot: string;
let alice: User;
let dm: Chat;
const stoppers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  tg = new FakeTelegram({ bot: { username: 'atelier_bot' } });
  ({ apiRoot } = await tg.start());
  alice = tg.createUser({ first_name: 'Alice', username: 'alice', language_code: 'en' });
  dm = tg.createPrivateChat(alice);
});

afterEach(async () => {
  for (const stop of stoppers.splice(0)) await stop();
  await tg.close();
});

/** A real grammy bot on long polling against the fake (short getUpdates timeout so stop() is quick). */
function startPolling(setup: (bot: Bot) => void, token = tg.token): Bot {
  const bot = new Bot(token, { client: { apiRoot } });
  setup(bot);
  bot.catch((err) => {
    throw err.error;
  });
  const running = bot.start({ drop_pending_updates: false, timeout: 1 });
  stoppers.push(async () => {
    if (bot.isRunning()) await bot.stop();
    await running;
  });
  return bot;
}

describe('FakeTelegram with a real grammy Bot', () => {
  it('delivers /start (with a bot_command entity) to a command handler and records the reply', async () => {
    startPolling((bot) => bot.command('start', (ctx) => ctx.reply(`Hello, ${ctx.from?.first_name}!`)));

    const { message, update, delivered } = tg.sendUserMessage(dm, alice, '/start');
    expect(delivered).toBe(true);
    expect(update.update_id).toBe(1);
    expect(message).toMatchObject({ message_id: 1, text: '/start', chat: dm, from: alice });
    expect(message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const reply = await tg.waitForSent(dm);
    expect(reply).toMatchObject({
      kind: 'text',
      text: 'Hello, Alice!',
      message_id: 2,
      method: 'sendMessage',
    });
    expect(reply.message.from).toMatchObject({ is_bot: true, username: 'atelier_bot' });
    expect(reply.message.from).not.toHaveProperty('can_join_groups'); // a plain User, not the getMe object
    expect(tg.calls('getMe')).toHaveLength(1);
    expect(tg.calls('deleteWebhook')[0]?.params).toEqual({ drop_pending_updates: false });
  });

  it('handles /cmd@botname in groups and applies privacy mode to plain group chatter', async () => {
    const seen: string[] = [];
    startPolling((bot) => {
      bot.command('imagine', (ctx) => ctx.reply(`prompt: ${ctx.match}`));
      bot.on('message:text', (ctx) => {
        seen.push(ctx.message.text);
      });
    });
    const group = tg.createGroupChat({ title: 'Artists', type: 'supergroup' });

    const { message } = tg.sendUserMessage(group, alice, '/imagine@atelier_bot a red fox');
    expect(message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 20 }]);
    const reply = await tg.waitForSent(group);
    expect(reply.text).toBe('prompt: a red fox');

    expect(tg.sendUserMessage(group, alice, 'just chatting').delivered).toBe(false);
    expect(tg.sendUserMessage(group, alice, 'hey @atelier_bot look').delivered).toBe(true);
    expect(tg.sendUserMessage(group, alice, 'thanks!', { replyTo: reply.message }).delivered).toBe(true);
    await tg.waitFor(() => seen.length === 2);
    expect(seen).toEqual(['hey @atelier_bot look', 'thanks!']);
  });

  it('stores a photo uploaded as InputFile(Buffer) and serves it via getFile + the file URL', async () => {
    const png = fakePng();
    const bot = startPolling((b) =>
      b.on('message:text', (ctx) =>
        ctx.replyWithPhoto(new InputFile(png, 'result.png'), {
          caption: '<b>Done</b> in 3s',
          parse_mode: 'HTML',
        }),
      ),
    );
    tg.sendUserMessage(dm, alice, 'a lighthouse at dusk');

    const sent = await tg.waitForSent(dm);
    expect(sent).toMatchObject({
      kind: 'photo',
      method: 'sendPhoto',
      caption: 'Done in 3s',
      parse_mode: 'HTML',
    });
    expect(sent.entities).toEqual([{ type: 'bold', offset: 0, length: 4 }]);
    expect(sent.media).toMatchObject({ type: 'photo', source: 'upload', bytes: png });
    const sizes = sent.message.photo ?? [];
    expect(sizes.map((s) => [s.width, s.height])).toEqual([
      [90, 68],
      [320, 240],
      [800, 600],
      [1024, 768],
    ]);
    expect(tg.calls('sendPhoto')[0]?.uploads[0]).toMatchObject({ filename: 'result.png', bytes: png });

    const largest = sizes[sizes.length - 1];
    const file = await bot.api.getFile(largest?.file_id ?? '');
    expect(file).toMatchObject({ file_id: largest?.file_id, file_size: png.length });
    expect(file.file_path).toMatch(/^photos\/file_\d+\.jpg$/);
    const res = await fetch(`${apiRoot}/file/bot${tg.token}/${file.file_path}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);

    // the file_id can be re-sent; using it as another media type fails like Telegram
    const again = await bot.api.sendPhoto(dm.id, largest?.file_id ?? '');
    expect(again.photo).toEqual(sizes);
    const wrongType = await errorOf(bot.api.sendDocument(dm.id, largest?.file_id ?? ''));
    expect(wrongType.description).toBe("Bad Request: can't use file of type Photo as Document");
  });

  it('lets the bot download a photo the user sent (several sizes, caption)', async () => {
    const png = fakePng(2000, 1000);
    startPolling((bot) =>
      bot.on('message:photo', async (ctx) => {
        const file = await ctx.getFile();
        const res = await fetch(`${apiRoot}/file/bot${bot.token}/${file.file_path}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        await ctx.reply(`got ${bytes.length} bytes, caption "${ctx.message.caption}"`);
      }),
    );
    const { message } = tg.sendUserPhoto(dm, alice, png, { caption: 'make it blue' });
    expect(message.photo?.map((p) => p.width)).toEqual([90, 320, 800, 1280, 2000]);

    const reply = await tg.waitForSent(dm);
    expect(reply.text).toBe(`got ${png.length} bytes, caption "make it blue"`);
  });

  it('edits message text; an identical edit is a 400 "message is not modified" GrammyError', async () => {
    const bot = new Bot(tg.token, { client: { apiRoot } });
    const sent = await bot.api.sendMessage(dm.id, 'Generating…', {
      reply_markup: new InlineKeyboard().text('Cancel', 'cancel:1'),
    });
    expect(sent.reply_markup?.inline_keyboard[0]?.[0]).toEqual({ text: 'Cancel', callback_data: 'cancel:1' });

    const edited = await bot.api.editMessageText(dm.id, sent.message_id, 'Done ✅');
    if (edited === true) throw new Error('chat message edits return the Message');
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'Done ✅' });
    expect(edited.edit_date).toBeTypeOf('number');
    expect(edited.reply_markup).toBeUndefined(); // like Telegram: an edit without reply_markup drops the keyboard

    const notModified = await errorOf(bot.api.editMessageText(dm.id, sent.message_id, 'Done ✅'));
    expect(notModified.error_code).toBe(400);
    expect(notModified.description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
    const missing = await errorOf(bot.api.editMessageText(dm.id, 999, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');

    const [record] = tg.sentMessages(dm);
    expect(record?.text).toBe('Done ✅');
    expect(record?.history.map((v) => [v.method, v.message.text])).toEqual([['sendMessage', 'Generating…']]);

    await bot.api.deleteMessage(dm.id, sent.message_id);
    expect(tg.sentMessages(dm)[0]?.deleted).toBe(true);
    expect((await errorOf(bot.api.deleteMessage(dm.id, sent.message_id))).description).toBe(
      'Bad Request: message to delete not found',
    );
  });

  it('routes a pressed inline button to callback_query:data and records answerCallbackQuery', async () => {
    startPolling((bot) => {
      bot.command('models', (ctx) =>
        ctx.reply('Pick a model', {
          reply_markup: new InlineKeyboard().text('Flux', 'model:flux').text('SDXL', 'model:sdxl'),
        }),
      );
      bot.on('callback_query:data', async (ctx) => {
        await ctx.answerCallbackQuery({ text: `Selected ${ctx.callbackQuery.data}` });
        await ctx.editMessageText(`Model: ${ctx.callbackQuery.data.slice(6)}`);
      });
    });
    tg.sendUserMessage(dm, alice, '/models');
    const menu = await tg.waitForSent(dm);

    expect(() => tg.pressButton(dm, alice, menu.message, 'model:nope')).toThrow(/no button/);
    const { callbackQuery } = tg.pressButton(dm, alice, menu.message, 'model:sdxl');
    expect(callbackQuery.message?.message_id).toBe(menu.message_id);

    const answer = await tg.waitFor(() => tg.callbackAnswer(callbackQuery.id));
    expect(answer).toEqual({ text: 'Selected model:sdxl', show_alert: false });
    await tg.waitFor(() => tg.sentMessages(dm)[0]?.text === 'Model: sdxl');
    expect(tg.calls('answerCallbackQuery')[0]?.params).toMatchObject({ callback_query_id: callbackQuery.id });
  });

  it('delivers updates to a grammy webhookCallback with the secret header; a wrong secret gets 401', async () => {
    const bot = new Bot(tg.token, { client: { apiRoot } });
    bot.command('start', (ctx) => ctx.reply('hi from webhook'));
    const server = createServer(webhookCallback(bot, 'http', { secretToken: 'right-secret' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stoppers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`;

    await bot.api.setWebhook(url, { secret_token: 'right-secret' });
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url, pending_update_count: 0 });
    const conflict = await errorOf(bot.api.getUpdates());
    expect(conflict.error_code).toBe(409);

    tg.sendUserMessage(dm, alice, '/start');
    await tg.waitForSent(dm, (m) => m.text === 'hi from webhook');
    await tg.waitFor(() => tg.webhookDeliveries().length === 1);
    expect(tg.webhookDeliveries()).toEqual([
      expect.objectContaining({ update_id: 1, status: 200, ok: true }),
    ]);

    // the fake sends the secret configured via setWebhook; grammy rejects a mismatch with 401
    await bot.api.setWebhook(url, { secret_token: 'wrong-secret' });
    tg.sendUserMessage(dm, alice, '/start');
    const rejected = await tg.waitFor(() => tg.webhookDeliveries().find((d) => !d.ok));
    expect(rejected).toMatchObject({ update_id: 2, status: 401 });
    expect(await bot.api.getWebhookInfo()).toMatchObject({
      pending_update_count: 1,
      last_error_message: 'Wrong response from the webhook: 401 Unauthorized',
    });

    // like Telegram, the undelivered update is retried once the webhook works again
    await bot.api.setWebhook(url, { secret_token: 'right-secret' });
    await tg.waitFor(() => tg.sentMessages(dm).length === 2);
    await bot.api.deleteWebhook();
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url: '', pending_update_count: 0 });
  });

  it('records setMyCommands per scope and language', async () => {
    const bot = new Bot(tg.token, { client: { apiRoot } });
    const commands = [
      { command: 'start', description: 'Start' },
      { command: 'imagine', description: 'Generate an image' },
    ];
    await bot.api.setMyCommands(commands);
    await bot.api.setMyCommands([{ command: 'start', description: 'Начать' }], {
      scope: { type: 'all_private_chats' },
      language_code: 'ru',
    });
    expect(tg.commands()).toEqual(commands);
    expect(tg.commands({ scope: { type: 'all_private_chats' }, language_code: 'ru' })).toEqual([
      { command: 'start', description: 'Начать' },
    ]);
    expect(await bot.api.getMyCommands()).toEqual(commands);
    expect(tg.calls('setMyCommands')).toHaveLength(2);

    const invalid = await errorOf(bot.api.setMyCommands([{ command: 'Imagine', description: 'x' }]));
    expect(invalid.description).toBe('Bad Request: BOT_COMMAND_INVALID');
    await bot.api.deleteMyCommands();
    expect(tg.commands()).toBeUndefined();
  });

  it('re-delivers the same update_id when asked: the bot sees it twice (deduplication is the app’s job)', async () => {
    // Telegram re-sends an update whose processing was not confirmed (crash, webhook timeout). The fake
    // reproduces that with redeliver() and never dedupes, so handlers see the same update_id twice.
    const seen: number[] = [];
    startPolling((bot) =>
      bot.on('message:text', (ctx) => {
        seen.push(ctx.update.update_id);
      }),
    );
    const first = tg.sendUserMessage(dm, alice, 'a cat in a hat').update;
    await tg.waitFor(() => seen.length === 1);
    expect(tg.redeliver(first)).toEqual(first);
    await tg.waitFor(() => seen.length === 2);
    const second = tg.sendUserMessage(dm, alice, 'a dog').update;
    await tg.waitFor(() => seen.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([first.update_id, first.update_id, second.update_id]);
  });

  it('receives albums as separate updates sharing a media_group_id and sends them with sendMediaGroup', async () => {
    const groups = new Set<string | undefined>();
    startPolling((bot) =>
      bot.on('message:photo', async (ctx) => {
        groups.add(ctx.message.media_group_id);
        if (groups.size === 1 && ctx.message.caption === 'variations') {
          await ctx.replyWithMediaGroup([
            InputMediaBuilder.photo(new InputFile(fakePng(), 'a.png'), { caption: 'Variation 1' }),
            InputMediaBuilder.photo(new InputFile(fakePng(512, 512), 'b.png')),
          ]);
        }
      }),
    );
    const album = tg.sendUserAlbum(dm, alice, [
      { bytes: fakePng(), caption: 'variations' },
      { bytes: fakePng() },
    ]);
    expect(album.results.map((r) => r.message.media_group_id)).toEqual([
      album.media_group_id,
      album.media_group_id,
    ]);

    await tg.waitFor(() => tg.sentMessages(dm).length === 2);
    const sent = tg.sentMessages(dm);
    expect(groups).toEqual(new Set([album.media_group_id]));
    expect(sent.map((m) => [m.method, m.kind, m.caption])).toEqual([
      ['sendMediaGroup', 'photo', 'Variation 1'],
      ['sendMediaGroup', 'photo', undefined],
    ]);
    expect(sent[0]?.media_group_id).toBe(sent[1]?.media_group_id);
    expect(sent[1]?.media?.bytes).toEqual(fakePng(512, 512));
  });
});

describe('FakeTelegram protocol details', () => {
  const raw = async (method: string, body?: unknown, token = tg.token) => {
    const res = await fetch(`${apiRoot}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers 401 for unknown tokens and 404 for unknown methods', async () => {
    expect(await raw('getMe', {}, '123:nope')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await raw('sendPigeon')).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    });
    expect((await raw('GETME')).body).toMatchObject({
      ok: true,
      result: { is_bot: true, username: 'atelier_bot' },
    });
  });

  it('validates like Telegram', async () => {
    const bot = new Bot(tg.token, { client: { apiRoot } });
    const cases: Array<[() => Promise<unknown>, string]> = [
      [
        () => raw('sendMessage', { text: 'hi' }).then((r) => Promise.reject(r.body)),
        'Bad Request: chat_id is empty',
      ],
      [() => bot.api.sendMessage(dm.id, ''), 'Bad Request: message text is empty'],
      [() => bot.api.sendMessage(dm.id, '   '), 'Bad Request: message text is empty'],
      [() => bot.api.sendMessage(dm.id, 'x'.repeat(4097)), 'Bad Request: message is too long'],
      [() => bot.api.sendMessage(424242, 'hi'), 'Bad Request: chat not found'],
      [
        () => bot.api.sendPhoto(dm.id, new InputFile(fakePng()), { caption: 'c'.repeat(1025) }),
        'Bad Request: message caption is too long',
      ],
      [
        () => bot.api.sendMessage(dm.id, 'a <prompt> b', { parse_mode: 'HTML' }),
        'Bad Request: can\'t parse entities: Unsupported start tag "prompt" at byte offset 2',
      ],
      [
        () => bot.api.sendMessage(dm.id, 'Version 1.0', { parse_mode: 'MarkdownV2' }),
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
      ],
      [
        () =>
          bot.api.sendMessage(dm.id, 'x', { reply_markup: new InlineKeyboard().text('x', 'y'.repeat(65)) }),
        'Bad Request: BUTTON_DATA_INVALID',
      ],
      [
        () => bot.api.sendMessage(dm.id, 'x', { reply_parameters: { message_id: 77 } }),
        'Bad Request: message to be replied not found',
      ],
      [
        () => bot.api.sendPhoto(dm.id, 'not-a-file-id'),
        'Bad Request: wrong file identifier/HTTP URL specified',
      ],
      [
        () => bot.api.sendChatAction(dm.id, 'dancing' as 'typing'),
        'Bad Request: wrong parameter action in request',
      ],
    ];
    for (const [call, description] of cases) {
      const error = (await call().then(
        () => undefined,
        (e: unknown) => e,
      )) as { description?: string };
      expect(error?.description).toBe(description);
    }
    expect(tg.sentMessages(dm)).toEqual([]);

    const ok = await bot.api.sendMessage(dm.id, '  <i>a &lt;prompt&gt;</i> see /help  ', {
      parse_mode: 'HTML',
    });
    expect(ok.text).toBe('a <prompt> see /help');
    expect(ok.entities).toEqual([
      { type: 'italic', offset: 0, length: 10 },
      { type: 'bot_command', offset: 15, length: 5 },
    ]);
  });

  it('parses HTML and MarkdownV2 like tdlib (vectors from tdlib/test/message_entities.cpp)', () => {
    const error = (parse: () => unknown) => {
      try {
        parse();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error(() => parseHtml('🏟 🏟&lt;<i>a</em   >'))).toBe(
      'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
    );
    expect(error(() => parseHtml('🏟 🏟&lt;<i    aba  =  190azAz-.,'))).toBe(
      'Unexpected end of name token at byte offset 27',
    );
    expect(parseHtml('🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>')).toEqual({
      text: '🏟 🏟🏟 ><🏟',
      entities: [
        { type: 'italic', offset: 5, length: 7 },
        { type: 'bold', offset: 9, length: 3 },
      ],
    });
    expect(parseHtml('<pre><code class="language-python">x = 1</code></pre>').entities).toEqual([
      { type: 'pre', offset: 0, length: 5, language: 'python' },
    ]);
    expect(error(() => parseMarkdownV2('🏟 🏟_🏟 🏟__'))).toBe(
      "Can't find end of Underline entity at byte offset 19",
    );
    expect(error(() => parseMarkdownV2('[telegram\\.org](asd\\)'))).toBe(
      "Can't find end of a URL at byte offset 16",
    );
    expect(parseMarkdownV2('`_* *_`__*` `*__')).toEqual({
      text: '_* *_ ',
      entities: [
        { type: 'code', offset: 0, length: 5 },
        { type: 'code', offset: 5, length: 1 },
        { type: 'bold', offset: 5, length: 1 },
        { type: 'underline', offset: 5, length: 1 },
      ],
    });
    expect(parseMarkdownV2('||spoiler|| [site](telegram.dog) \\.')).toEqual({
      text: 'spoiler site .',
      entities: [
        { type: 'spoiler', offset: 0, length: 7 },
        { type: 'text_link', offset: 8, length: 4, url: 'http://telegram.dog/' },
      ],
    });
  });

  it('long-polls: holds getUpdates until an update arrives, honours offset and limit, 409 for a second poller', async () => {
    const started = Date.now();
    const pending = raw('getUpdates', { timeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    tg.sendUserMessage(dm, alice, 'one');
    const first = await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(first.body.result).toEqual([expect.objectContaining({ update_id: 1 })]);

    tg.sendUserMessage(dm, alice, 'two');
    tg.sendUserMessage(dm, alice, 'three');
    // not confirmed yet: update 1 comes again until offset moves past it
    expect((await raw('getUpdates', { limit: 2 })).body.result).toHaveLength(2);
    const rest = (await raw('getUpdates', { offset: 2 })).body.result as Array<{ update_id: number }>;
    expect(rest.map((u) => u.update_id)).toEqual([2, 3]);
    expect((await raw('getUpdates', { offset: 4, timeout: 0 })).body.result).toEqual([]);

    const emptyStart = Date.now();
    expect((await raw('getUpdates', { offset: 4, timeout: 1 })).body.result).toEqual([]);
    expect(Date.now() - emptyStart).toBeGreaterThanOrEqual(900);

    const older = raw('getUpdates', { offset: 4, timeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const newer = raw('getUpdates', { offset: 4, timeout: 1 });
    expect((await older).body).toMatchObject({ ok: false, error_code: 409 });
    expect((await newer).body).toEqual({ ok: true, result: [] });
  });

  it('serves several bot tokens independently and supports injected failures', async () => {
    const other = tg.addBot({ username: 'second_bot' });
    const a = new Bot(tg.token, { client: { apiRoot } });
    const b = new Bot(other.token, { client: { apiRoot } });
    expect((await b.api.getMe()).username).toBe('second_bot');
    await b.api.sendMessage(dm.id, 'from b');
    expect(other.sentMessages(dm).map((m) => m.text)).toEqual(['from b']);
    expect(tg.sentMessages(dm)).toEqual([]);

    tg.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    const limited = await errorOf(a.api.sendMessage(dm.id, 'x'));
    expect(limited.error_code).toBe(429);
    expect(limited.parameters.retry_after).toBe(1);
    tg.setBlocked(dm);
    expect((await errorOf(a.api.sendMessage(dm.id, 'x'))).description).toBe(
      'Forbidden: bot was blocked by the user',
    );
  });
});

describe('chat members', () => {
  it('getChatMember and getChatAdministrators report the creator, administrators and members as Telegram does', async () => {
    const bot = new Bot(tg.token, { client: { apiRoot } });
    const owner = tg.createUser({ first_name: 'Olga' });
    const mod = tg.createUser({ first_name: 'Max' });
    const group = tg.createGroupChat({ title: 'Club', type: 'supergroup', creator: owner, admins: [mod] });
    const stranger = tg.createUser({ first_name: 'Sam' });

    expect(await bot.api.getChatMember(group.id, owner.id)).toEqual({
      status: 'creator',
      user: owner,
      is_anonymous: false,
    });
    expect(await bot.api.getChatMember(group.id, mod.id)).toMatchObject({
      status: 'administrator',
      user: mod,
      can_manage_chat: true,
    });
    // Never in the group: "left"; writing there makes someone a member.
    expect(await bot.api.getChatMember(group.id, alice.id)).toEqual({ status: 'left', user: alice });
    tg.sendUserMessage(group, alice, 'hello');
    expect(await bot.api.getChatMember(group.id, alice.id)).toEqual({ status: 'member', user: alice });
    tg.members.set(group.id, stranger.id, 'kicked');
    expect(await bot.api.getChatMember(group.id, stranger.id)).toMatchObject({ status: 'kicked' });

    const admins = await bot.api.getChatAdministrators(group.id);
    expect(admins.map((m) => [m.status, m.user.id])).toEqual([
      ['creator', owner.id],
      ['administrator', mod.id],
    ]);
    expect(await bot.api.getChatMemberCount(group.id)).toBe(3);

    expect((await errorOf(bot.api.getChatAdministrators(dm.id))).description).toBe(
      'Bad Request: there are no administrators in the private chat',
    );
    expect(await bot.api.getChatMember(dm.id, alice.id)).toEqual({ status: 'member', user: alice });
    expect((await errorOf(bot.api.getChatMember(group.id, 42))).description).toBe(
      'Bad Request: user not found',
    );
    expect((await errorOf(bot.api.getChatMember(-999, alice.id))).description).toBe(
      'Bad Request: chat not found',
    );
  });
});
