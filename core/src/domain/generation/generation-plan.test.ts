import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { waitUntil } from '../../../../test/support/wait';
import { updateModelSettings } from '../catalog/catalog.service';

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(t, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: { sweepEverySeconds: 3600 },
  jobPollSeconds: 0.5,
});

const PROMPT = 'a calm piano melody';
const someone = () => core.bot('telegram', { userId: `planner-${randomUUID()}` });

describe('choosing the model for a chat request', () => {
  it('"--model music" with a plain prompt runs instrumental music, and the plan can be created as it is', async () => {
    const bot = await someone();
    const plan = await bot.generations.plan.query({ model: 'music', prompt: PROMPT });
    expect(plan).toMatchObject({
      model: { id: 'fal-ai/stable-audio', category: 'music' },
      input: { prompt: PROMPT },
      price: 3,
      note: null,
    });
    fal.setBehavior('fal-ai/stable-audio', { manual: true, webhook: false });
    const created = await bot.generations.create.mutate({ model: plan.model.id, input: plan.input });
    expect(created.price).toBe(plan.price);
    await bot.generations.cancel.mutate({ id: created.generation.id });
  });

  it('"--model 3d" makes a model from text without a photo, and from the photo with one', async () => {
    const bot = await someone();
    const fromText = await bot.generations.plan.query({ model: '3d', prompt: 'a wooden chair' });
    expect(fromText.model.id).toBe('fal-ai/hunyuan3d-v3/text-to-3d');
    expect(fromText.input).toEqual({ prompt: 'a wooden chair' });
    const fromPhoto = await bot.generations.plan.query({ model: '3d', files: [{ kind: 'image' }] });
    expect(fromPhoto).toMatchObject({
      model: { id: 'fal-ai/trellis' },
      fileFields: ['image_url'],
      input: {},
    });
  });

  it('a photo moves the default model to one that takes it, and says so', async () => {
    const bot = await someone();
    const uploadId = randomUUID();
    const plan = await bot.generations.plan.query({
      prompt: 'make it autumn',
      files: [{ kind: 'image', uploadId }],
      options: { fields: { strength: '0.6' } },
    });
    expect(plan).toMatchObject({
      model: { id: 'fal-ai/flux/dev/image-to-image' },
      input: { prompt: 'make it autumn', image_url: uploadId, strength: 0.6 },
      fileFields: ['image_url'],
      note: 'Using FLUX.1 [dev] image-to-image for your image.',
    });
  });

  it('a model named on purpose that needs more says what, in words', async () => {
    const bot = await someone();
    const lyrics = await trpcError(bot.generations.plan.query({ model: 'minimax', prompt: PROMPT }));
    expect(lyrics).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'MiniMax Music 2.0 needs lyrics (the lyrics_prompt option)',
      fieldErrors: { lyrics_prompt: ['required'] },
    });
    const song = await bot.generations.plan.query({
      model: 'minimax',
      prompt: PROMPT,
      options: { fields: { lyrics_prompt: '[Verse] quiet keys under the rain' } },
    });
    expect(song.model.id).toBe('fal-ai/minimax-music/v2');

    const photo = await trpcError(bot.generations.plan.query({ model: 'trellis', prompt: 'a chair' }));
    expect(photo.message).toBe('TRELLIS (image to 3D) takes no text prompt; it needs an image (attach one)');
    const voice = await trpcError(bot.generations.plan.query({ model: 'f5-tts', prompt: 'hello there' }));
    expect(voice.message).toBe('F5-TTS voice cloning needs an audio file (attach one)');
    const captioned = await trpcError(
      bot.generations.plan.query({ model: 'whisper', prompt: 'what is said?', files: [{ kind: 'audio' }] }),
    );
    expect(captioned.message).toBe('Whisper takes no text prompt; leave the words out');
    const transcript = await bot.generations.plan.query({ model: 'whisper', files: [{ kind: 'audio' }] });
    expect(transcript).toMatchObject({ model: { id: 'fal-ai/whisper' }, fileFields: ['audio_url'] });
    const noPrompt = await trpcError(bot.generations.plan.query({ model: 'sdxl' }));
    expect(noPrompt.message).toBe('Stable Diffusion XL needs a prompt saying what to make');
  });

  it('sizes, counts and options map onto the model, and a wrong one is named', async () => {
    const bot = await someone();
    const plan = await bot.generations.plan.query({
      model: 'flux',
      prompt: 'a fox',
      options: { size: '16:9', count: 2, seed: 7 },
    });
    expect(plan.input).toEqual({ prompt: 'a fox', image_size: 'landscape_16_9', num_images: 2, seed: 7 });
    expect(plan.price).toBe(2);
    const unknown = await trpcError(
      bot.generations.plan.query({ model: 'flux', prompt: 'a fox', options: { fields: { wings: 'yes' } } }),
    );
    expect(unknown).toMatchObject({ appCode: 'INVALID_INPUT', fieldErrors: { wings: [expect.any(String)] } });
    expect(unknown.message).toMatch(/^FLUX.1 \[schnell\] has no option wings; it takes: /);
    // The default model does not quietly become a pricier one that happens to have the option.
    const lacking = await trpcError(
      bot.generations.plan.query({ prompt: 'a fox', options: { fields: { guidance_scale: 5 } } }),
    );
    expect(lacking.message).toMatch(/^FLUX.1 \[schnell\] has no option guidance_scale; it takes: /);
    const range = await trpcError(
      bot.generations.plan.query({ model: 'flux', prompt: 'a fox', options: { count: 9 } }),
    );
    expect(range).toMatchObject({
      appCode: 'INVALID_INPUT',
      fieldErrors: { num_images: [expect.any(String)] },
    });
  });

  it('the default model is the user’s choice, else the catalog default', async () => {
    const bot = await someone();
    expect((await bot.me.get.query()).defaultModel).toMatchObject({ id: 'fal-ai/flux-1/schnell' });
    await bot.me.updateSettings.mutate({ defaultModel: 'sdxl' });
    expect((await bot.me.get.query()).defaultModel).toMatchObject({
      id: 'fal-ai/fast-sdxl',
      name: 'Stable Diffusion XL',
    });
    expect((await bot.generations.plan.query({ prompt: 'a fox' })).model.id).toBe('fal-ai/fast-sdxl');
  });
});

describe('LoRAs by name', () => {
  async function loraOf(name: string, status: 'ready' | 'training') {
    const bot = await someone();
    const me = await bot.me.get.query();
    const lora = await t.db
      .insertInto('loras')
      .values({ user_id: me.user.id, name, trigger_word: 'zxq', weights_key: 'loras/x.safetensors' })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (status === 'ready')
      await t.db.updateTable('loras').set({ status }).where('id', '=', lora.id).execute();
    return bot;
  }

  it('a LoRA is found by name in any case and moves the request to a model that takes LoRAs', async () => {
    const bot = await loraOf('Ink Wash', 'ready');
    expect(await bot.loras.find.query({ name: 'ink wash' })).toMatchObject({
      name: 'Ink Wash',
      status: 'ready',
    });
    const plan = await bot.generations.plan.query({
      prompt: 'a heron',
      loras: [{ name: 'INK WASH', scale: 0.8 }],
    });
    expect(plan).toMatchObject({
      model: { id: 'fal-ai/flux-lora', acceptsLoras: true },
      loras: [{ name: 'Ink Wash', scale: 0.8 }],
      note: 'Using FLUX.1 [dev] with LoRAs, which takes LoRAs.',
    });
  });

  it('an unknown or unfinished LoRA is refused in words', async () => {
    const bot = await loraOf('Half Baked', 'training');
    const unknown = await trpcError(bot.loras.find.query({ name: 'Nope' }));
    expect(unknown).toMatchObject({ appCode: 'NOT_FOUND' });
    expect(unknown.message).toBe('There is no LoRA called "Nope" among yours or those shared here');
    const training = await trpcError(
      bot.generations.plan.query({ prompt: 'x', loras: [{ name: 'half baked' }] }),
    );
    expect(training).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'The LoRA "Half Baked" is still training',
    });
    const other = await someone();
    expect(await trpcError(other.loras.find.query({ name: 'Half Baked' }))).toMatchObject({
      appCode: 'NOT_FOUND',
    });
  });
});

describe('every catalog model', () => {
  it('accepts a plain prompt, or says in words what else it needs, and runs once given that', async () => {
    const bot = await someone();
    const models = await bot.catalog.list.query({});
    expect(models.length).toBeGreaterThan(20);
    for (const model of models) {
      const first = await bot.generations.plan.query({ model: model.id, prompt: PROMPT }).then(
        (plan) => ({ plan }),
        async (error: unknown) => ({ refusal: await trpcError(Promise.reject(error)) }),
      );
      if ('plan' in first) {
        expect(first.plan.model.id, model.id).toBe(model.id);
        expect(Object.values(first.plan.input), model.id).toContain(PROMPT);
        const quote = await bot.generations.quote.query({ model: model.id, input: first.plan.input });
        expect(quote.price, model.id).toBe(first.plan.price);
        continue;
      }
      const { refusal } = first;
      expect(refusal.appCode, model.id).toBe('INVALID_INPUT');
      expect(refusal.message, model.id).toMatch(
        new RegExp(`^${escapeRegExp(model.name)} (needs|takes no text prompt)`),
      );
      expect(refusal.message, model.id).not.toMatch(/expected|undefined|Invalid input/);
      const needs = (refusal.details?.needs ?? []) as { field: string; type: string; fileKind?: string }[];
      expect(needs.length, model.id).toBeGreaterThan(0);
      // Giving what it asked for is enough.
      const takesPrompt = !refusal.message.includes('takes no text prompt');
      const files = needs.filter((n) => n.type === 'file').map((n) => ({ kind: n.fileKind as 'image' }));
      const fields = Object.fromEntries(
        needs.filter((n) => n.type !== 'file').map((n) => [n.field, 'la la la, the rain on the keys']),
      );
      const plan = await bot.generations.plan.query({
        model: model.id,
        ...(takesPrompt ? { prompt: PROMPT } : {}),
        files,
        options: { fields },
      });
      expect(plan.model.id, model.id).toBe(model.id);
      expect(plan.fileFields, model.id).toHaveLength(files.length);
    }
  });
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('short ids', () => {
  it('the 8 characters shown in chat find the generation; a shared prefix asks for more; others are not found', async () => {
    const bot = await someone();
    const me = await bot.me.get.query();
    const account = await bot.credits.balance.query();
    const ids = ['abcdef01-0000-4000-8000-000000000001', 'abcdef02-0000-4000-8000-000000000002'];
    for (const id of ids) {
      await t.db
        .insertInto('generations')
        .values({
          id,
          user_id: me.user.id,
          account_id: account.personal.accountId,
          model_id: 'fal-ai/flux-1/schnell',
          category: 'image',
          input: { prompt: 'x' },
          prompt: 'x',
          price: 1,
          status: 'succeeded',
          provider: 'fal',
        })
        .execute();
    }
    expect(await bot.generations.resolveId.query({ ref: 'ABCDEF01' })).toEqual({ id: ids[0] });
    expect(await bot.generations.resolveId.query({ ref: `#${ids[1]}` })).toEqual({ id: ids[1] });
    expect(await trpcError(bot.generations.resolveId.query({ ref: 'abcdef' }))).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'Several of your generations start with abcdef; type more of the id',
    });
    expect(await trpcError(bot.generations.resolveId.query({ ref: '12345678' }))).toMatchObject({
      appCode: 'NOT_FOUND',
      message: 'None of your generations has the id 12345678',
    });
    expect(await trpcError(bot.generations.resolveId.query({ ref: 'not-an-id' }))).toMatchObject({
      appCode: 'INVALID_INPUT',
    });
    const other = await someone();
    expect(await trpcError(other.generations.resolveId.query({ ref: 'abcdef01' }))).toMatchObject({
      appCode: 'NOT_FOUND',
    });
  });
});

describe('follow-ups on a result', () => {
  const SCHNELL = 'fal-ai/flux-1/schnell';

  it('a finished image offers Animate, Make 3D, Upscale and Vary; Vary redraws it with the same prompt', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(TINY_PNG), webhook: false });
    const bot = await someone();
    const { generation } = await bot.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'a red kite' },
    });
    expect(generation.followUps).toEqual({ animate: null, make3d: null, upscale: null, vary: null });
    const done = await waitUntil(async () => {
      const g = await bot.generations.get.query({ id: generation.id });
      return g.status === 'succeeded' ? g : null;
    });
    expect(done.followUps).toEqual({
      animate: { modelId: 'fal-ai/stable-video', modelName: 'Stable Video Diffusion' },
      make3d: { modelId: 'fal-ai/trellis', modelName: 'TRELLIS (image to 3D)' },
      upscale: { modelId: 'fal-ai/clarity-upscaler', modelName: 'Clarity Upscaler' },
      vary: { modelId: 'fal-ai/flux/dev/image-to-image', modelName: 'FLUX.1 [dev] image-to-image' },
    });

    fal.setBehavior('fal-ai/flux/dev/image-to-image', { manual: true, webhook: false });
    const varied = await bot.generations.followUp.mutate({ id: generation.id, kind: 'vary' });
    expect(varied.generation).toMatchObject({
      modelId: 'fal-ai/flux/dev/image-to-image',
      prompt: 'a red kite',
      input: { image_url: generation.id, prompt: 'a red kite', strength: 0.75 },
    });
    await bot.generations.cancel.mutate({ id: varied.generation.id });

    fal.setBehavior('fal-ai/clarity-upscaler', {
      immediate: true,
      webhook: false,
      output: (_input, ctx) => ({
        image: {
          url: ctx.addFile('big.png', TINY_PNG, 'image/png'),
          width: 2,
          height: 2,
          content_type: 'image/png',
        },
      }),
    });
    const upscaled = await bot.generations.followUp.mutate({ id: generation.id, kind: 'upscale' });
    const big = await waitUntil(async () => {
      const g = await bot.generations.get.query({ id: upscaled.generation.id });
      return g.status === 'succeeded' ? g : null;
    });
    expect(big.outputs).toHaveLength(1);
    expect(big.outputs[0]).toMatchObject({ kind: 'image', mediaType: 'image/png' });
    const submitted = fal.request(
      (
        await t.db
          .selectFrom('generations')
          .select('provider_request_id')
          .where('id', '=', upscaled.generation.id)
          .executeTakeFirstOrThrow()
      ).provider_request_id!,
    );
    expect(submitted.input).toMatchObject({
      upscale_factor: 2,
      image_url: expect.stringMatching(/^https:\/\//),
    });
  });

  it('a switched-off follow-up model is not offered, and asking for it anyway is refused with nothing held', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(TINY_PNG), webhook: false });
    const admin = await core.web('admin');
    const bot = await someone();
    const { generation } = await bot.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'a boat' },
    });
    await waitUntil(
      async () => (await bot.generations.get.query({ id: generation.id })).status === 'succeeded',
    );
    await admin.client.admin.updateModel.mutate({
      modelId: 'fal-ai/clarity-upscaler',
      enabled: false,
      reason: 'too slow today',
    });
    try {
      const view = await bot.generations.get.query({ id: generation.id });
      expect(view.followUps.upscale).toBeNull();
      expect(view.followUps.vary).not.toBeNull();
      const before = await bot.credits.balance.query();
      expect(
        await trpcError(bot.generations.followUp.mutate({ id: generation.id, kind: 'upscale' })),
      ).toMatchObject({
        appCode: 'CONFLICT',
        message: 'This result offers no upscale',
      });
      expect(await bot.credits.balance.query()).toEqual(before);
    } finally {
      await admin.client.admin.updateModel.mutate({
        modelId: 'fal-ai/clarity-upscaler',
        enabled: true,
        reason: 'back',
      });
    }
  });
});

describe('the price of a plain prompt, named in the catalog before any plan', () => {
  it('is what the plan of a plain prompt names, for every model that can take one; the default is marked', async () => {
    const bot = await someone();
    const models = await bot.catalog.list.query({});
    expect(models.filter((m) => m.isDefault).map((m) => m.id)).toEqual(['fal-ai/flux-1/schnell']);
    let priced = 0;
    for (const model of models) {
      const plan = await bot.generations.plan
        .query({ model: model.id, prompt: 'a lighthouse at dawn' })
        .catch(() => null);
      const plain = plan !== null && plan.model.id === model.id && plan.note === null;
      if (model.promptPrice === null) {
        // Null only where a plain prompt cannot run as it is, or where the words set the price.
        if (plain) expect(model.price.kind).toBe('per_1k_chars');
      } else {
        expect(plain).toBe(true);
        expect(plan?.price).toBe(model.promptPrice);
        priced++;
      }
    }
    expect(priced).toBeGreaterThan(5);
  });

  it('follows an admin re-price at once', async () => {
    const bot = await someone();
    const { user: admin } = await makeUser(t.db);
    const reprice = (priceCredits: number | null) =>
      updateModelSettings(t.db, {
        modelId: 'fal-ai/flux-1/schnell',
        priceCredits,
        actorUserId: admin.id,
        reason: 'test',
      });
    await reprice(7);
    try {
      const model = (await bot.catalog.list.query({})).find((m) => m.id === 'fal-ai/flux-1/schnell');
      const plan = await bot.generations.plan.query({ prompt: 'a lighthouse at dawn' });
      expect(model?.promptPrice).toBe(7);
      expect(plan.price).toBe(7);
    } finally {
      await reprice(null);
    }
  });
});
