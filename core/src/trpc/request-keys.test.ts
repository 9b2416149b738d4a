import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { type CoreClient, useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { ingestBytes } from '../domain/uploads/uploads.service';

// Request keys (a bot's id for one command) belong to the caller: the acting user and the bot token's
// platform and name. A replay returns the caller's own earlier result; nobody else's key matters.

const t = useTestDatabase();
const core = useTestCore(t, { STARTER_CREDITS: '500' });

async function balance(client: CoreClient): Promise<number> {
  return (await client.credits.balance.query()).personal.available;
}

describe('generations.create with a request key', () => {
  it("another user's key returns their own new generation, never the first user's", async () => {
    const token = await core.serviceToken('telegram');
    const alice = await core.bot('telegram', { userId: 'rk-alice' }, token);
    const bob = await core.bot('telegram', { userId: 'rk-bob' }, token);
    const key = 'telegram:update:4242';

    const first = await alice.generations.create.mutate({
      model: 'flux',
      input: { prompt: "alice's secret prompt" },
      requestKey: key,
    });
    const other = await bob.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'a red bicycle' },
      requestKey: key,
    });

    expect(other.generation.id).not.toBe(first.generation.id);
    expect(other.generation.prompt).toBe('a red bicycle');
    expect(JSON.stringify(other)).not.toContain('secret');
    expect((await bob.history.list.query({})).items.map((g) => g.prompt)).toEqual(['a red bicycle']);
    expect((await alice.history.list.query({})).items.map((g) => g.prompt)).toEqual([
      "alice's secret prompt",
    ]);
  });

  it("a replay by the same user through the same bot returns that user's first generation, charged once", async () => {
    const token = await core.serviceToken('telegram');
    const carol = await core.bot('telegram', { userId: 'rk-carol' }, token);
    const before = await balance(carol);
    const request = { model: 'flux', input: { prompt: 'a quiet harbour' }, requestKey: 'telegram:update:7' };
    const first = await carol.generations.create.mutate(request);
    const again = await carol.generations.create.mutate(request);
    expect(again.generation.id).toBe(first.generation.id);
    expect(await balance(carol)).toBe(before - first.price);
  });

  it('two bots of one platform counting their update ids independently never swallow a command', async () => {
    // Two Telegram bots each see update 1 from the same person: two different commands.
    const first = await core.bot('telegram', { userId: 'rk-dave' });
    const second = await core.bot('telegram', { userId: 'rk-dave' });
    const a = await first.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'from the first bot' },
      requestKey: 'telegram:update:1',
    });
    const b = await second.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'from the second bot' },
      requestKey: 'telegram:update:1',
    });
    expect(b.generation.id).not.toBe(a.generation.id);
    expect((await first.history.list.query({})).items.map((g) => g.prompt).sort()).toEqual([
      'from the first bot',
      'from the second bot',
    ]);
  });

  it('a key one user sends twice at once still makes one generation, while another user with the same key gets theirs', async () => {
    const token = await core.serviceToken('discord');
    const erin = await core.bot('discord', { userId: 'rk-erin' }, token);
    const frank = await core.bot('discord', { userId: 'rk-frank' }, token);
    const key = 'discord:interaction:99';
    const [e1, e2, f1] = await Promise.all([
      erin.generations.create.mutate({ model: 'flux', input: { prompt: 'erin' }, requestKey: key }),
      erin.generations.create.mutate({ model: 'flux', input: { prompt: 'erin' }, requestKey: key }),
      frank.generations.create.mutate({ model: 'flux', input: { prompt: 'frank' }, requestKey: key }),
    ]);
    expect(e2.generation.id).toBe(e1.generation.id);
    expect(f1.generation.id).not.toBe(e1.generation.id);
    expect(f1.generation.prompt).toBe('frank');
  });
});

function png(seed: number): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  image.data.fill(seed);
  return PNG.sync.write(image);
}

async function uploadImages(client: CoreClient, count: number): Promise<string[]> {
  const userId = (await client.me.get.query()).user.id;
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

describe('loras.train with a request key', () => {
  it("another user's training with the same key is their own; a replay returns the caller's own LoRA", async () => {
    const token = await core.serviceToken('telegram');
    const gina = await core.bot('telegram', { userId: 'rk-gina' }, token);
    const hank = await core.bot('telegram', { userId: 'rk-hank' }, token);
    const key = 'telegram:update:555';

    const ginas = await gina.loras.train.mutate({
      name: 'Gina style',
      uploadIds: await uploadImages(gina, 4),
      requestKey: key,
    });
    const hanks = await hank.loras.train.mutate({
      name: 'Hank style',
      uploadIds: await uploadImages(hank, 4),
      requestKey: key,
    });
    expect(hanks.lora.id).not.toBe(ginas.lora.id);
    expect(hanks.lora).toMatchObject({ name: 'Hank style', owned: true });
    expect((await hank.loras.list.query()).map((l) => l.name)).toEqual(['Hank style']);

    const balanceBefore = await balance(gina);
    const replay = await gina.loras.train.mutate({
      name: 'Gina style',
      uploadIds: await uploadImages(gina, 4),
      requestKey: key,
    });
    expect(replay.lora.id).toBe(ginas.lora.id);
    expect(replay.generation.id).toBe(ginas.generation.id);
    expect(await balance(gina)).toBe(balanceBefore);
  });
});
