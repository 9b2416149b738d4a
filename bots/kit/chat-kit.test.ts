import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { pngBytes } from '../../test/support/generations';
import { freePort } from '../../test/support/ports';
import { waitUntil } from '../../test/support/wait';
import { type ChatKit, createChatKit } from './chat-kit';
import { ChatPlatformError, type ChatSink, type CommandContext, type MessageRef } from './kit.types';
import { DISCORD_TRAITS, type PlatformTraits } from './platform-traits';
import { plainText, type Reply } from './reply';

const SCHNELL = 'fal-ai/flux-1/schnell';
const RED = pngBytes(7, 4, 3);
const fal = new FalFake();
let port = 0;
/** Core behind a counting proxy: the number of HTTP requests the kit made. */
let proxy: Server;
let proxyUrl = '';
let requests = 0;

beforeAll(async () => {
  await fal.start();
  port = await freePort();
});
afterAll(async () => {
  await fal.close();
  proxy?.close();
});
const t = useTestDatabase();
const core = useTestCore(t, () => ({ PORT: String(port), FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: { sweepEverySeconds: 3600 },
  jobPollSeconds: 0.5,
});

beforeAll(async () => {
  const target = new URL(core.app.url);
  proxy = createServer((req, res) => {
    requests++;
    const upstream = fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host')) as Record<
        string,
        string
      >,
      ...(req.method === 'GET' || req.method === 'HEAD'
        ? {}
        : { body: req as unknown as BodyInit, duplex: 'half' }),
    } as RequestInit);
    upstream
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (!response.body) return void res.end();
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) res.write(chunk);
        res.end();
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

interface Posted {
  ref: MessageRef;
  texts: string[];
  editsAt: number[];
  reply: Reply;
}

/**
 * A chat platform in memory: what the kit posted, edited and notified, with the traits given (an
 * edit window makes answers refuse edits once it closed, as Discord's interaction tokens do).
 */
function memoryChat(kitTraits: PlatformTraits, userId = 'u1') {
  const posted: Posted[] = [];
  const notices: string[] = [];
  const chatId = `chat-${userId}`;
  let next = 1;
  const send = async (reply: Reply, editable: boolean, to = chatId): Promise<MessageRef> => {
    const ref: MessageRef = {
      chatId: to,
      messageId: String(next++),
      ...(editable && kitTraits.editWindowMs !== null
        ? { editableUntil: Date.now() + kitTraits.editWindowMs }
        : {}),
    };
    posted.push({ ref, texts: [plainText(reply.text)], editsAt: [], reply });
    return ref;
  };
  const edit = async (ref: MessageRef, reply: Reply) => {
    const message = posted.find((p) => p.ref.chatId === ref.chatId && p.ref.messageId === ref.messageId);
    if (!message) throw new ChatPlatformError('unknown message', true);
    if (message.ref.editableUntil !== undefined && Date.now() >= message.ref.editableUntil)
      throw new ChatPlatformError('Invalid Webhook Token', true);
    message.texts.push(plainText(reply.text));
    message.editsAt.push(Date.now());
    message.reply = reply;
  };
  const ctx: CommandContext = {
    actor: { userId, userName: 'Kit Tester', space: null },
    chat: { chatId, direct: true },
    traits: kitTraits,
    requestKey: undefined,
    reply: (reply) => send(reply, true),
    edit,
    post: (reply) => send(reply, false),
    notify: async (text) => void notices.push(text),
    sendPrivate: (reply) => send(reply, false),
    isSpaceAdmin: async () => false,
  };
  const sink: ChatSink = {
    send: (target, reply) => send(reply, false, target.chatId),
    edit,
    directChat: async () => ({ chatId, direct: true }),
  };
  return { ctx, sink, posted, notices };
}

let kits: ChatKit[] = [];
async function startKit(coreUrl = core.app.url): Promise<ChatKit> {
  const serviceToken = await createServiceToken(t.db, { name: `kit-${kits.length}`, platform: 'discord' });
  const kit = createChatKit({ coreUrl, serviceToken, platform: 'discord', progressEditIntervalMs: 20 });
  kits.push(kit);
  return kit;
}
afterAll(async () => {
  for (const kit of kits) await kit.close();
  kits = [];
});

async function generationsOf(userId: string) {
  return t.db
    .selectFrom('generations')
    .innerJoin('identities', 'identities.user_id', 'generations.user_id')
    .select(['generations.id', 'generations.model_id', 'generations.input', 'generations.status'])
    .where('identities.platform', '=', 'discord')
    .where('identities.platform_user_id', '=', userId)
    .orderBy('generations.created_at')
    .execute();
}

describe('two phases', () => {
  it('text and typed input make the same generation', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED, { count: 2 }), webhook: false });
    const kit = await startKit();
    const viaText = memoryChat(DISCORD_TRAITS, 'text-user');
    const viaForm = memoryChat(DISCORD_TRAITS, 'form-user');
    const text = kit.prepare(viaText.ctx, 'gen', {
      text: 'two foxes --size 16:9 --count 2 --seed 7 --num_inference_steps 3',
    });
    const typed = kit.prepare(viaForm.ctx, 'generate', {
      values: { prompt: 'two foxes', size: '16:9', count: 2, seed: 7, options: '--num_inference_steps 3' },
    });
    expect(text).toMatchObject({ ok: true, command: 'generate', visibility: 'public' });
    expect(typed).toMatchObject({ ok: true, command: 'generate', visibility: 'public' });
    if (!text.ok || !typed.ok) throw new Error('not runnable');
    await Promise.all([text.run(), typed.run()]);
    const [a] = await waitUntil(async () => {
      const rows = await generationsOf('text-user');
      return rows.length ? rows : null;
    });
    const [b] = await waitUntil(async () => {
      const rows = await generationsOf('form-user');
      return rows.length ? rows : null;
    });
    expect(b!.model_id).toBe(a!.model_id);
    expect(b!.input).toEqual(a!.input);
    expect(a!.input).toMatchObject({
      prompt: 'two foxes',
      image_size: 'landscape_16_9',
      num_images: 2,
      seed: 7,
      num_inference_steps: 3,
    });
  });

  it('prepare answers a typing mistake synchronously, ephemerally, and nothing reaches core', async () => {
    const kit = await startKit(proxyUrl);
    const chat = memoryChat(DISCORD_TRAITS, 'typo-user');
    const before = requests;
    const prepared = kit.prepare(chat.ctx, 'gen', { text: 'a fox --count many' });
    expect(prepared).not.toBeInstanceOf(Promise);
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.reply.visibility).toBe('ephemeral');
    expect(plainText(prepared.reply.text)).toMatch(/^--count needs a whole number\.\nUsage: \/generate/);
    expect(kit.prepare(chat.ctx, 'frobnicate', { text: '' })).toMatchObject({ ok: false });
    expect(requests - before).toBe(0);
  });
});

describe('autocomplete', () => {
  it('answers from cache (no core call), at most 25 choices, favorites first', async () => {
    const kit = await startKit(proxyUrl);
    const chat = memoryChat(DISCORD_TRAITS, 'fan');
    const client = await core.bot('discord', { userId: 'fan' });
    await client.favorites.toggle.mutate({ model: 'fal-ai/veo3' });
    await kit.warm(chat.ctx);
    await waitUntil(
      () => kit.complete(chat.ctx, { command: 'generate', option: 'model', typed: '' }).length > 0,
    );
    const before = requests;
    const all = kit.complete(chat.ctx, { command: 'generate', option: 'model', typed: '' });
    expect(all).not.toBeInstanceOf(Promise);
    expect(all.length).toBeGreaterThan(1);
    expect(all.length).toBeLessThanOrEqual(25);
    expect(all[0]).toMatchObject({ value: 'fal-ai/veo3', label: expect.stringMatching(/^★ /) });
    const typed = kit.complete(chat.ctx, { command: 'gen', option: 'model', typed: 'sdx' });
    expect(typed[0]?.value).toBe('fal-ai/fast-sdxl');
    for (let i = 0; i < 50; i++)
      kit.complete(chat.ctx, { command: 'generate', option: 'model', typed: 'fl' });
    expect(requests - before).toBe(0);
    expect(kit.complete(chat.ctx, { command: 'generate', option: 'prompt', typed: 'x' })).toEqual([]);
  });
});

describe('progress and edit windows', () => {
  it('progress stops editing when the edit window closes; the outcome is posted anew', async () => {
    fal.setBehavior(SCHNELL, { manual: true, webhook: false });
    const kit = await startKit();
    const traits: PlatformTraits = { ...DISCORD_TRAITS, editWindowMs: 6_500 };
    const chat = memoryChat(traits, 'slow-user');
    kit.consumeDeliveries(chat.sink);
    const prepared = kit.prepare(chat.ctx, 'gen', { text: 'a slow sunrise' });
    if (!prepared.ok) throw new Error('not runnable');
    await prepared.run();
    // (Deliveries left over from earlier tests may arrive in this chat too.)
    const progress = chat.posted.find((p) => p.texts[0]?.startsWith('Generating with'))!;
    expect(progress.texts[0]).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
    const request = await waitUntil(() =>
      fal.requests.find((r) => (r.input as { prompt?: string }).prompt === 'a slow sunrise'),
    );
    // While the window is open the message is edited (a Cancel button appears once core accepted it).
    await waitUntil(() => progress.editsAt.length > 0);
    expect(progress.reply.actions?.flat().map((a) => a.type === 'button' && a.label)).toContain('Cancel');
    await waitUntil(() => Date.now() >= progress.ref.editableUntil!, { timeoutMs: 10_000 });
    await fal.fail(request.id, 422, [
      { loc: ['body', 'prompt'], msg: 'sunrise refused', type: 'value_error' },
    ]);
    const anew = await waitUntil(() => chat.posted.find((p) => p.texts[0]?.startsWith('Failed')), {
      timeoutMs: 20_000,
    });
    expect(anew.texts[0]).toMatch(/sunrise refused.*Your 1 credit was returned\./);
    // Nothing was edited after the window closed, and the failure was posted once.
    expect(progress.editsAt.every((at) => at < progress.ref.editableUntil!)).toBe(true);
    expect(progress.texts.at(-1)).not.toMatch(/^Failed/);
    expect(chat.posted.filter((p) => p.texts[0]?.startsWith('Failed'))).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('/cancel stops the latest running job: the hold is released once and the user is told', async () => {
    fal.setBehavior(SCHNELL, { manual: true, webhook: false });
    const kit = await startKit();
    const chat = memoryChat(DISCORD_TRAITS, 'canceller');
    const started = kit.prepare(chat.ctx, 'gen', { text: 'a long film' });
    if (!started.ok) throw new Error('not runnable');
    await started.run();
    const client = await core.bot('discord', { userId: 'canceller' });
    await waitUntil(async () => (await client.credits.balance.query()).personal.held === 1);
    const cancel = kit.prepare(chat.ctx, 'cancel', { text: '' });
    expect(cancel).toMatchObject({ ok: true, visibility: 'ephemeral' });
    if (!cancel.ok) return;
    await cancel.run();
    const told = chat.posted.find((p) => p.texts[0]?.startsWith('Cancelled'));
    expect(told?.texts[0]).toMatch(
      /^Cancelled [0-9a-f]{8} \(FLUX\.1 \[schnell\]\); your 1 credit came back\.$/,
    );
    expect(told?.reply.visibility).toBe('ephemeral');
    expect((await client.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    const [generation] = await generationsOf('canceller');
    expect(generation?.status).toBe('cancelled');
    // The progress message says so too, and loses its Cancel button.
    const progress = chat.posted.find((p) => p.texts[0]?.startsWith('Generating with'))!;
    await waitUntil(() => progress.texts.at(-1)?.startsWith('Cancelled; your 1 credit came back.'));
    expect(progress.reply.actions ?? []).toEqual([]);
    const again = kit.prepare(chat.ctx, 'cancel', { text: generation!.id.slice(0, 8) });
    if (!again.ok) return;
    await again.run();
    expect(plainText(chat.posted.at(-1)!.reply.text)).toMatch(/not running/i);
    expect((await client.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
  });
});
