import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CoreClient, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { makeGeneration } from '../../../../test/support/generations';
import type { GenerationCategory, GenerationStatus } from '../../db/types';

const t = useTestDatabase();
const dataDir = mkdtempSync(path.join(tmpdir(), 'atelier-history-'));
const core = useTestCore(t, { ATELIER_DATA_DIR: dataDir });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A user with a bot client acting for them. */
async function member(name: string) {
  const { user, accountId, platformUserId } = await makeUser(t.db, { name });
  const bot = await core.bot('telegram', { userId: platformUserId, userName: name });
  return { userId: user.id, accountId, bot };
}

type Member = Awaited<ReturnType<typeof member>>;

function generate(
  who: Member,
  opts: {
    createdAt?: string;
    category?: GenerationCategory;
    status?: GenerationStatus;
    outputs?: number;
  } = {},
) {
  return makeGeneration(t.db, core.app.deps.storage, {
    userId: who.userId,
    accountId: who.accountId,
    ...opts,
  });
}

/** `2026-03-01T12:00:00.000000Z` minus `i` seconds and `i` microseconds: distinct, with microsecond detail. */
function pastTime(i: number): string {
  const base = Date.parse('2026-03-01T12:00:00Z') - i * 1000;
  return `${new Date(base).toISOString().slice(0, 19)}.${String(999_999 - i).padStart(6, '0')}Z`;
}

/** Follows nextCursor from `first` to the end; returns every page's ids. */
async function readAll(
  bot: CoreClient,
  input: { limit: number; category?: 'image' | 'video' },
  first?: { items: { id: string }[]; nextCursor: string | null },
) {
  const pages: string[][] = [];
  let page = first ?? (await bot.history.list.query(input));
  pages.push(page.items.map((i) => i.id));
  while (page.nextCursor) {
    page = await bot.history.list.query({ ...input, cursor: page.nextCursor });
    pages.push(page.items.map((i) => i.id));
  }
  return pages;
}

describe('history pages', () => {
  it('pages of 10 over 25 items cover every item exactly once, newest first', async () => {
    const me = await member('Paging Pat');
    const made: string[] = [];
    for (let i = 0; i < 25; i++) made.push((await generate(me, { createdAt: pastTime(i) })).id);
    const pages = await readAll(me.bot, { limit: 10 });
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(made);
    const first = await me.bot.history.list.query();
    expect(first.items).toHaveLength(10);
    expect(first.items[0]).toMatchObject({ id: made[0], status: 'succeeded', category: 'image' });
    expect(first.items[0]?.outputs[0]?.url).toMatch(/\/files\/outputs\//);
  });

  it('pages stay stable while new items arrive: no duplicates and no skips of the original set', async () => {
    const me = await member('Busy Bea');
    const original: string[] = [];
    for (let i = 0; i < 25; i++) original.push((await generate(me, { createdAt: pastTime(i) })).id);
    const first = await me.bot.history.list.query({ limit: 10 });
    for (let i = 0; i < 5; i++) await generate(me); // newer than everything (now())
    const pages = await readAll(me.bot, { limit: 10 }, first);
    expect(pages.flat()).toEqual(original);
    const fresh = await me.bot.history.list.query({ limit: 10 });
    expect(fresh.items.slice(0, 5).map((i) => i.id)).not.toContain(original[0]);
  });

  it('items with the same created_at, or differing only in microseconds, are paged without loss', async () => {
    const me = await member('Tie Tom');
    const tied: string[] = [];
    for (let i = 0; i < 7; i++)
      tied.push((await generate(me, { createdAt: '2026-02-01T00:00:00.123456Z' })).id);
    // Same millisecond, different microseconds: a cursor holding a JS Date would skip or repeat these.
    const micro: string[] = [];
    for (const us of ['457', '458', '459', '460', '461']) {
      micro.push((await generate(me, { createdAt: `2026-02-01T00:00:00.123${us}Z` })).id);
    }
    const pages = await readAll(me.bot, { limit: 3 });
    const seen = pages.flat();
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(seen.slice(0, 5)).toEqual([...micro].reverse());
    expect(seen.slice(5)).toEqual([...tied].sort().reverse());
  });

  it('filters by category and never lists LoRA trainings', async () => {
    const me = await member('Cat Carla');
    const videos: string[] = [];
    for (let i = 0; i < 4; i++) {
      await generate(me, { createdAt: pastTime(2 * i) });
      videos.push((await generate(me, { createdAt: pastTime(2 * i + 1), category: 'video' })).id);
    }
    await generate(me, { category: 'lora', outputs: 0 });
    const onlyVideos = await readAll(me.bot, { limit: 3, category: 'video' });
    expect(onlyVideos.flat()).toEqual(videos);
    const all = await readAll(me.bot, { limit: 50 });
    expect(all.flat()).toHaveLength(8);
  });

  it('a cursor that was not handed out is refused as invalid input', async () => {
    const me = await member('Forger Fay');
    const refused = await trpcError(me.bot.history.list.query({ cursor: 'bm90LWEtY3Vyc29y' }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INVALID_INPUT' });
  });
});

describe('showing and deleting', () => {
  it("another user's item is NOT_FOUND for show, delete and publish, and stays untouched", async () => {
    const owner = await member('Owner Olga');
    const other = await member('Nosy Nick');
    const item = await generate(owner);
    expect(await trpcError(other.bot.history.show.query({ id: item.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await trpcError(other.bot.history.delete.mutate({ id: item.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await trpcError(other.bot.gallery.publish.mutate({ id: item.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    const shown = await owner.bot.history.show.query({ id: item.id });
    expect(shown).toMatchObject({ id: item.id, gallery: null });
    expect(await core.app.deps.storage.head(`outputs/${item.id}/0.png`)).not.toBeNull();
  });

  it('delete erases the bytes and the gallery item, and repeating it is fine', async () => {
    const me = await member('Tidy Tia');
    const item = await generate(me, { outputs: 2 });
    const kept = await generate(me);
    await me.bot.gallery.publish.mutate({ id: item.id });
    await me.bot.gallery.publish.mutate({ id: kept.id });
    expect(await me.bot.history.delete.mutate({ id: item.id })).toEqual({ id: item.id, deleted: true });

    const { storage } = core.app.deps;
    expect(await storage.head(`outputs/${item.id}/0.png`)).toBeNull();
    expect(await storage.head(`outputs/${item.id}/1.png`)).toBeNull();
    expect(await storage.head(`outputs/${kept.id}/0.png`)).not.toBeNull();
    const galleryRow = await t.db
      .selectFrom('gallery_items')
      .select('generation_id')
      .where('generation_id', '=', item.id)
      .executeTakeFirst();
    expect(galleryRow).toBeUndefined();
    const feed = await core.anonymous().gallery.feed.query({ limit: 50 });
    expect(feed.items.map((i) => i.id)).toContain(kept.id);
    expect(feed.items.map((i) => i.id)).not.toContain(item.id);
    expect(await trpcError(me.bot.history.show.query({ id: item.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await me.bot.history.list.query()).items.map((i) => i.id)).toEqual([kept.id]);

    expect(await me.bot.history.delete.mutate({ id: item.id })).toEqual({ id: item.id, deleted: true });
    expect(await trpcError(me.bot.gallery.publish.mutate({ id: item.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('deleting an item that is still processing is refused and changes nothing', async () => {
    const me = await member('Hasty Hal');
    const running = await generate(me, { status: 'processing' });
    const refused = await trpcError(me.bot.history.delete.mutate({ id: running.id }));
    expect(refused).toMatchObject({
      code: 'CONFLICT',
      appCode: 'CONFLICT',
      message: 'Wait until it finishes or cancel it',
    });
    const row = await t.db
      .selectFrom('generations')
      .select(['deleted_at', 'status'])
      .where('id', '=', running.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ deleted_at: null, status: 'processing' });
    expect(await me.bot.history.show.query({ id: running.id })).toMatchObject({ status: 'processing' });
  });
});
