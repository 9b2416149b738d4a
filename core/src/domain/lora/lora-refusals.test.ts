import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../../../test/fakes/fal/fal-fake';
import { type CoreClient, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';

// Refused trainings must cost the service nothing either: no zip of the images is written for work
// that is not accepted, and uploads themselves are bounded per user.

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url, STARTER_CREDITS: '50', UPLOAD_QUOTA_MB: '1' }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  image.data.fill(seed);
  return PNG.sync.write(image);
}

/** Uploads as a client does: create, PUT to the signed link, complete. */
async function uploadImages(bot: CoreClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = png(i + 1);
    const ticket = await bot.uploads.create.mutate({
      kind: 'image',
      contentType: 'image/png',
      size: bytes.length,
    });
    await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(bytes) });
    ids.push((await bot.uploads.complete.mutate({ uploadId: ticket.uploadId })).id);
  }
  return ids;
}

/** Training zips left in storage for this user (removes them while counting). */
const zipsOf = async (bot: CoreClient) => {
  const { user } = await bot.me.get.query();
  return core.app.deps.storage.deletePrefix(`training/${user.id}/`);
};

describe('a LoRA training that is refused', () => {
  it('for lack of credits writes no zip and holds nothing', async () => {
    const bot = await core.bot('telegram', { userId: 'poor-pia' });
    const uploadIds = await uploadImages(bot, 4);
    const refused = await trpcError(bot.loras.train.mutate({ name: 'Pia style', uploadIds }));
    expect(refused).toMatchObject({
      appCode: 'INSUFFICIENT_CREDITS',
      details: { price: 200, available: 50 },
    });
    expect(await zipsOf(bot)).toBe(0);
    expect(await bot.loras.list.query()).toEqual([]);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
  });

  it('for the rate limit writes no zip either', async () => {
    fal.setBehavior('fal-ai/flux/dev', { manual: true, webhook: false, output: imageOutput(png(9)) });
    const bot = await core.bot('telegram', { userId: 'busy-bob' });
    const uploadIds = await uploadImages(bot, 4);
    for (let i = 0; i < 4; i++) {
      await bot.generations.create.mutate({ model: 'fal-ai/flux/dev', input: { prompt: `busy ${i}` } });
    }
    const refused = await trpcError(bot.loras.train.mutate({ name: 'Bob style', uploadIds }));
    expect(refused).toMatchObject({ appCode: 'RATE_LIMITED' });
    expect(await zipsOf(bot)).toBe(0);
    await waitUntil(() => fal.requests.filter((r) => r.appId === 'fal-ai/flux/dev').length >= 4);
  });
});

describe('the per-user upload quota (UPLOAD_QUOTA_MB)', () => {
  it('refuses an upload that would pass it, says how much is used, and frees up when uploads are deleted', async () => {
    const bot = await core.bot('telegram', { userId: 'hoarder-hal' });
    const big = await bot.uploads.create.mutate({ kind: 'image', contentType: 'image/png', size: 700_000 });
    const refused = await trpcError(
      bot.uploads.create.mutate({ kind: 'image', contentType: 'image/png', size: 400_000 }),
    );
    expect(refused).toMatchObject({
      httpStatus: 400,
      appCode: 'INVALID_INPUT',
      message: 'Your uploads take 0.7 MB of your 1 MB; delete some before uploading more',
      details: { quotaBytes: 1024 * 1024, usedBytes: 700_000 },
    });
    await bot.uploads.delete.mutate({ uploadId: big.uploadId });
    await expect(
      bot.uploads.create.mutate({ kind: 'image', contentType: 'image/png', size: 400_000 }),
    ).resolves.toMatchObject({ method: 'PUT' });
  });
});
