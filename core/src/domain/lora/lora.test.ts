import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';
import { ingestBytes } from '../uploads/uploads.service';

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url, STARTER_CREDITS: '500' }),
  {
    worker: { sweepEverySeconds: 3600 },
    jobPollSeconds: 0.5,
  },
);

const WEIGHTS = Buffer.from('fake safetensors weights for the test');

function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  image.data.fill(seed);
  return PNG.sync.write(image);
}

async function uploadImages(userId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const asset = await ingestBytes(core.app.deps, userId, {
      kind: 'image',
      bytes: png(i + 1),
      contentType: 'image/png',
    });
    ids.push(asset.id);
  }
  return ids;
}

/** Number of entries in a ZIP, from its end-of-central-directory record. */
const zipEntries = (zip: Buffer) =>
  zip.readUInt16LE(zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 10);

describe('LoRA training and use', () => {
  it('trains from uploaded images, charges the trainer price, and the LoRA then shapes generations', async () => {
    fal.setBehavior('fal-ai/flux-lora-fast-training', {
      immediate: true,
      webhook: false,
      output: (_input, ctx) => ({
        diffusers_lora_file: { url: ctx.addFile('lora.safetensors', WEIGHTS, 'application/octet-stream') },
        config_file: { url: ctx.addFile('config.json', Buffer.from('{}'), 'application/json') },
      }),
    });
    fal.setBehavior('fal-ai/flux-lora', { immediate: true, webhook: false, output: imageOutput(png(9)) });
    const bot = await core.bot('telegram', {
      userId: 'trainer-tia',
      space: { id: 'g1', kind: 'group', name: 'Studio' },
    });
    const me = await bot.me.get.query();
    const uploadIds = await uploadImages(me.user.id, 4);

    const { lora, price } = await bot.loras.train.mutate({ name: 'Tia style', uploadIds });
    expect(price).toBe(200);
    expect(lora).toMatchObject({
      name: 'Tia style',
      triggerWord: 'tia_style',
      status: 'training',
      owned: true,
    });
    const ready = await waitUntil(async () =>
      (await bot.loras.list.query()).find((l) => l.status === 'ready'),
    );
    expect(ready.id).toBe(lora.id);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 300, held: 0 });

    const trainingRequest = fal.requests.find((r) => r.appId === 'fal-ai/flux-lora-fast-training')!;
    const zipUrl = (trainingRequest.input as { images_data_url: string }).images_data_url;
    const zip = fal.uploads.find((u) => u.url === zipUrl);
    expect(zip && zipEntries(zip.bytes)).toBe(4);

    const { generation } = await bot.generations.create.mutate({
      model: 'fal-ai/flux-lora',
      input: { prompt: 'tia_style portrait' },
      loras: [{ id: lora.id, scale: 0.8 }],
    });
    await waitUntil(
      async () => (await bot.generations.get.query({ id: generation.id })).status === 'succeeded',
    );
    const sent = fal.requests.find((r) => r.appId === 'fal-ai/flux-lora')!.input as {
      loras: { path: string; scale: number }[];
    };
    expect(sent.loras).toHaveLength(1);
    expect(sent.loras[0]!.scale).toBe(0.8);
    expect(fal.uploads.find((u) => u.url === sent.loras[0]!.path)?.bytes.equals(WEIGHTS)).toBe(true);
  });

  it("another user's LoRA is not usable until it is shared with their space", async () => {
    fal.setBehavior('fal-ai/flux-lora-fast-training', {
      immediate: true,
      webhook: false,
      output: (_input, ctx) => ({
        diffusers_lora_file: { url: ctx.addFile('w.safetensors', WEIGHTS, 'application/octet-stream') },
      }),
    });
    const space = { id: 'g2', kind: 'group' as const, name: 'Crew' };
    const owner = await core.bot('telegram', { userId: 'owner-olga', space });
    const friend = await core.bot('telegram', { userId: 'friend-finn', space });
    const ownerId = (await owner.me.get.query()).user.id;
    const { lora } = await owner.loras.train.mutate({
      name: 'Olga',
      uploadIds: await uploadImages(ownerId, 4),
    });
    await waitUntil(async () => (await owner.loras.list.query()).find((l) => l.status === 'ready'));

    const request = { model: 'fal-ai/flux-lora', input: { prompt: 'x' }, loras: [{ id: lora.id, scale: 1 }] };
    expect(await trpcError(friend.generations.create.mutate(request))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await friend.loras.list.query()).toEqual([]);

    await owner.loras.share.mutate({ id: lora.id, shared: true });
    expect((await friend.loras.list.query()).map((l) => [l.name, l.owned])).toEqual([['Olga', false]]);
    const used = await friend.generations.create.mutate(request);
    expect(used.price).toBeGreaterThan(0);
    expect(await trpcError(friend.loras.delete.mutate({ id: lora.id }))).toMatchObject({ code: 'NOT_FOUND' });

    await owner.loras.delete.mutate({ id: lora.id });
    expect(await friend.loras.list.query()).toEqual([]);
  });

  it('refuses too few images, a duplicate name and LoRAs on a model that does not take them', async () => {
    const bot = await core.bot('telegram', { userId: 'picky-pia' });
    const me = await bot.me.get.query();
    const ids = await uploadImages(me.user.id, 3);
    const few = await trpcError(bot.loras.train.mutate({ name: 'Few', uploadIds: ids }));
    expect(few).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'Training needs 4 to 40 different images',
    });
    const onSdxl = await trpcError(
      bot.generations.create.mutate({
        model: 'sdxl',
        input: { prompt: 'x' },
        loras: [{ id: '00000000-0000-4000-8000-000000000000', scale: 1 }],
      }),
    );
    expect(onSdxl.fieldErrors?.loras).toEqual(['not supported by this model']);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 500, held: 0 });
  });
});
