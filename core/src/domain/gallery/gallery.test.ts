import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { makeGeneration, pngBytes } from '../../../../test/support/generations';
import type { GenerationCategory, GenerationStatus } from '../../db/types';

/** A database and a running core with `env`, and helpers to make users and their generations. */
function galleryWorld(env: Record<string, string> = {}) {
  const t = useTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'atelier-gallery-'));
  const core = useTestCore(t, { ATELIER_DATA_DIR: dataDir, ...env });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const member = async (name: string) => {
    const { user, accountId, platformUserId } = await makeUser(t.db, { name, platform: 'discord' });
    const bot = await core.bot('discord', { userId: platformUserId, userName: name });
    const generate = (
      opts: {
        category?: GenerationCategory;
        status?: GenerationStatus;
        nsfw?: boolean;
        prompt?: string;
      } = {},
    ) => makeGeneration(t.db, core.app.deps.storage, { userId: user.id, accountId, ...opts });
    return { userId: user.id, bot, generate };
  };
  const feedIds = async (category?: 'image' | '3d') =>
    (await core.anonymous().gallery.feed.query({ limit: 50, category })).items.map((i) => i.id);
  const auditOf = (generationId: string) =>
    t.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'action', 'reason', 'target_type'])
      .where('target_id', '=', generationId)
      .orderBy('id')
      .execute();
  return { t, core, member, feedIds, auditOf };
}

describe('gallery with auto-approve on (the default)', () => {
  const { t, core, member, feedIds, auditOf } = galleryWorld();

  it('a published item is in the public feed at once, by name, with a working signed image link', async () => {
    const ada = await member('Ada Artist');
    const item = await ada.generate({ prompt: 'a fox in the snow' });
    const published = await ada.bot.gallery.publish.mutate({ id: item.id });
    expect(published).toMatchObject({ id: item.id, state: 'approved' });
    expect(await ada.bot.gallery.publish.mutate({ id: item.id })).toEqual(published); // idempotent

    const feed = await core.anonymous().gallery.feed.query();
    const shown = feed.items.find((i) => i.id === item.id);
    expect(shown).toMatchObject({
      prompt: 'a fox in the snow',
      authorName: 'Ada Artist',
      gallery: { state: 'approved' },
    });
    expect(shown).not.toHaveProperty('userId');
    const url = shown?.outputs[0]?.url;
    expect(url).toBeTruthy();
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(pngBytes(0))).toBe(true);
  });

  it('unpublishing takes the item out of the feed; repeating it is fine', async () => {
    const ben = await member('Ben');
    const item = await ben.generate();
    await ben.bot.gallery.publish.mutate({ id: item.id });
    expect(await feedIds()).toContain(item.id);
    expect(await ben.bot.gallery.unpublish.mutate({ id: item.id })).toEqual({ id: item.id, state: null });
    expect(await ben.bot.gallery.unpublish.mutate({ id: item.id })).toEqual({ id: item.id, state: null });
    expect(await feedIds()).not.toContain(item.id);
    expect(await ben.bot.history.show.query({ id: item.id })).toMatchObject({ gallery: null });
  });

  it('failed or unfinished generations cannot be published', async () => {
    const cy = await member('Cy');
    const ids: string[] = [];
    for (const status of ['failed', 'processing'] as const) {
      const item = await cy.generate({ status });
      ids.push(item.id);
      const refused = await trpcError(cy.bot.gallery.publish.mutate({ id: item.id }));
      expect(refused).toMatchObject({
        code: 'BAD_REQUEST',
        appCode: 'INVALID_INPUT',
        message: 'Only finished generations can be published',
      });
    }
    const stored = await t.db
      .selectFrom('gallery_items')
      .select('generation_id')
      .where('generation_id', 'in', ids)
      .execute();
    expect(stored).toEqual([]);
  });

  it('NSFW-flagged generations wait for review even with auto-approve on', async () => {
    const dee = await member('Dee');
    const item = await dee.generate({ nsfw: true });
    expect(await dee.bot.gallery.publish.mutate({ id: item.id })).toMatchObject({ state: 'pending' });
    expect(await feedIds()).not.toContain(item.id);
  });

  it('the feed pages newest first and filters by category', async () => {
    const eve = await member('Eve');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const item = await eve.generate({ category: '3d' });
      await eve.bot.gallery.publish.mutate({ id: item.id });
      ids.unshift(item.id);
    }
    const anon = core.anonymous();
    const first = await anon.gallery.feed.query({ category: '3d', limit: 2 });
    const second = await anon.gallery.feed.query({ category: '3d', limit: 2, cursor: first.nextCursor! });
    const third = await anon.gallery.feed.query({ category: '3d', limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((i) => i.id)).toEqual(ids);
    expect(third.nextCursor).toBeNull();
    expect(await feedIds('image')).not.toContain(ids[0]);
  });

  it('three reports from different users take an item back to review, out of the feed, audited', async () => {
    const fay = await member('Fay');
    const item = await fay.generate();
    await fay.bot.gallery.publish.mutate({ id: item.id });
    const [r1, r2, r3] = await Promise.all([member('R1'), member('R2'), member('R3')]);
    await r1!.bot.gallery.report.mutate({ id: item.id, reason: 'spam' });
    await r1!.bot.gallery.report.mutate({ id: item.id, reason: 'hate' }); // one report per user
    await r2!.bot.gallery.report.mutate({ id: item.id, reason: 'hate' });
    expect(await feedIds()).toContain(item.id);
    expect(await auditOf(item.id)).toEqual([]);

    await r3!.bot.gallery.report.mutate({ id: item.id, reason: 'other', details: 'stolen art' });
    expect(await feedIds()).not.toContain(item.id);
    expect(await auditOf(item.id)).toEqual([
      {
        actor_user_id: null,
        action: 'gallery.auto_hold',
        reason: 'Held for review after 3 reports',
        target_type: 'generation',
      },
    ]);
    const mod = await core.web('moderator');
    const queue = await mod.client.moderation.queue.query({ state: 'pending' });
    const queued = queue.items.find((i) => i.id === item.id);
    expect(queued).toMatchObject({ reportCount: 3, authorName: 'Fay', userId: fay.userId });
    expect(queued?.reasons).toEqual([
      { category: 'hate', count: 1 },
      { category: 'other', count: 1 },
      { category: 'spam', count: 1 },
    ]);
    expect(queued?.latestReports.map((r) => r.details ?? '-').sort()).toEqual(['-', '-', 'stolen art']);

    // Unpublishing and publishing again does not get around the hold.
    await fay.bot.gallery.unpublish.mutate({ id: item.id });
    expect(await fay.bot.gallery.publish.mutate({ id: item.id })).toMatchObject({ state: 'pending' });
  });

  it('a moderator hides items in bulk: an outcome per id, one audit event per change, with the reason', async () => {
    const gil = await member('Gil');
    const a = await gil.generate();
    const b = await gil.generate();
    await gil.bot.gallery.publish.mutate({ id: a.id });
    await gil.bot.gallery.publish.mutate({ id: b.id });
    const unknown = randomUUID();
    const mod = await core.web('moderator');
    const outcome = await mod.client.moderation.act.mutate({
      ids: [a.id, unknown, b.id],
      action: 'hide',
      reason: 'off-topic for this gallery',
    });
    expect(outcome).toEqual([
      { id: a.id, state: 'hidden' },
      { id: unknown, state: 'not_found' },
      { id: b.id, state: 'hidden' },
    ]);
    const events = await t.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'target_id', 'reason'])
      .where('action', '=', 'gallery.hide')
      .orderBy('target_id')
      .execute();
    expect(events).toEqual(
      [a.id, b.id].sort().map((id) => ({
        actor_user_id: mod.userId,
        target_id: id,
        reason: 'off-topic for this gallery',
      })),
    );
    const feed = await feedIds();
    expect(feed).not.toContain(a.id);
    expect(feed).not.toContain(b.id);
    const hidden = await mod.client.moderation.queue.query({ state: 'hidden' });
    expect(hidden.items.map((i) => i.id)).toEqual(expect.arrayContaining([a.id, b.id]));

    const admin = await core.web('admin');
    await admin.client.moderation.act.mutate({ ids: [a.id], action: 'approve', reason: 'fine after all' });
    expect(await feedIds()).toContain(a.id);
  });

  it('bot tokens cannot call moderation procedures, even acting for a user', async () => {
    const hal = await member('Hal');
    const item = await hal.generate();
    await hal.bot.gallery.publish.mutate({ id: item.id });
    const asUser = hal.bot;
    const asService = await core.bot('telegram');
    for (const client of [asUser, asService]) {
      const acted = await trpcError(
        client.moderation.act.mutate({ ids: [item.id], action: 'remove', reason: 'i do not like it' }),
      );
      expect(acted).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await trpcError(client.moderation.queue.query({ state: 'pending' }))).toMatchObject({
        code: 'UNAUTHORIZED',
      });
    }
    expect(
      await core
        .anonymous()
        .moderation.queue.query({ state: 'pending' })
        .catch((e) => e.data.code),
    ).toBe('UNAUTHORIZED');
    expect(await feedIds()).toContain(item.id);
    expect(await auditOf(item.id)).toEqual([]);
  });

  it('an item a moderator removed cannot be republished by its owner', async () => {
    const ivy = await member('Ivy');
    const item = await ivy.generate();
    await ivy.bot.gallery.publish.mutate({ id: item.id });
    const mod = await core.web('moderator');
    await mod.client.moderation.act.mutate({ ids: [item.id], action: 'remove', reason: 'breaks the rules' });
    const refused = await trpcError(ivy.bot.gallery.publish.mutate({ id: item.id }));
    expect(refused).toMatchObject({
      code: 'FORBIDDEN',
      message: 'A moderator removed this item from the gallery',
    });
    // Unpublishing keeps the removed record, so publishing stays refused.
    expect(await ivy.bot.gallery.unpublish.mutate({ id: item.id })).toEqual({
      id: item.id,
      state: 'removed',
    });
    expect(await trpcError(ivy.bot.gallery.publish.mutate({ id: item.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await feedIds()).not.toContain(item.id);
    const reported = await trpcError(
      (await member('Jo')).bot.gallery.report.mutate({
        id: item.id,
        reason: 'other',
        details: 'still here?',
      }),
    );
    expect(reported).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('gallery with GALLERY_AUTO_APPROVE=false', () => {
  const { core, member, feedIds, auditOf } = galleryWorld({ GALLERY_AUTO_APPROVE: 'false' });

  it('a published item waits in the queue and reaches the feed only when a moderator approves it', async () => {
    const kim = await member('Kim');
    const item = await kim.generate();
    expect(await kim.bot.gallery.publish.mutate({ id: item.id })).toMatchObject({ state: 'pending' });
    expect(await feedIds()).not.toContain(item.id);
    expect(await kim.bot.history.show.query({ id: item.id })).toMatchObject({
      gallery: { state: 'pending' },
    });

    const mod = await core.web('moderator');
    const queue = await mod.client.moderation.queue.query({ state: 'pending' });
    expect(queue.items.map((i) => i.id)).toEqual([item.id]);
    expect(queue.items[0]).toMatchObject({
      reportCount: 0,
      reasons: [],
      latestReports: [],
      moderation: null,
    });

    const outcome = await mod.client.moderation.act.mutate({
      ids: [item.id],
      action: 'approve',
      reason: 'looks good',
    });
    expect(outcome).toEqual([{ id: item.id, state: 'approved' }]);
    expect(await feedIds()).toEqual([item.id]);
    expect(await auditOf(item.id)).toEqual([
      {
        actor_user_id: mod.userId,
        action: 'gallery.approve',
        reason: 'looks good',
        target_type: 'generation',
      },
    ]);
    expect((await mod.client.moderation.queue.query({ state: 'pending' })).items).toEqual([]);
  });
});

describe('taking an item down takes its media offline at once', () => {
  const { core, member } = galleryWorld();
  const feedLinkOf = async (id: string) => {
    const feed = await core.anonymous().gallery.feed.query({ limit: 50 });
    const url = feed.items.find((i) => i.id === id)?.outputs[0]?.url;
    expect(url).toBeTruthy();
    expect((await fetch(url!)).status).toBe(200);
    return url!;
  };

  it('a link the feed handed out answers 404 as soon as the owner unpublishes; the owner still sees it', async () => {
    const ivy = await member('Ivy');
    const item = await ivy.generate();
    await ivy.bot.gallery.publish.mutate({ id: item.id });
    const link = await feedLinkOf(item.id);

    await ivy.bot.gallery.unpublish.mutate({ id: item.id });
    expect((await fetch(link)).status).toBe(404);
    const own = await ivy.bot.history.show.query({ id: item.id });
    const res = await fetch(own.outputs[0]!.url!);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(pngBytes(0))).toBe(true);
  });

  it('a moderator removing or hiding items kills the links the feed handed out', async () => {
    const jon = await member('Jon');
    const removed = await jon.generate();
    const hidden = await jon.generate();
    await jon.bot.gallery.publish.mutate({ id: removed.id });
    await jon.bot.gallery.publish.mutate({ id: hidden.id });
    const removedLink = await feedLinkOf(removed.id);
    const hiddenLink = await feedLinkOf(hidden.id);

    const mod = await core.web('moderator');
    await mod.client.moderation.act.mutate({ ids: [removed.id], action: 'remove', reason: 'stolen art' });
    await mod.client.moderation.act.mutate({ ids: [hidden.id], action: 'hide', reason: 'off-topic' });
    expect((await fetch(removedLink)).status).toBe(404);
    expect((await fetch(hiddenLink)).status).toBe(404);
    // Approved again: the feed hands out new, working links.
    await mod.client.moderation.act.mutate({ ids: [hidden.id], action: 'approve', reason: 'fine after all' });
    await feedLinkOf(hidden.id);
  });

  it('three reports hold an item for review and its feed links stop working', async () => {
    const kim = await member('Kim');
    const item = await kim.generate();
    await kim.bot.gallery.publish.mutate({ id: item.id });
    const link = await feedLinkOf(item.id);
    for (const name of ['r1', 'r2', 'r3']) {
      const reporter = await member(`Reporter ${name}`);
      await reporter.bot.gallery.report.mutate({ id: item.id, reason: 'spam' });
    }
    expect((await fetch(link)).status).toBe(404);
  });
});
