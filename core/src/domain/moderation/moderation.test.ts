import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { makeGeneration } from '../../../../test/support/generations';

const t = useTestDatabase();
const core = useTestCore(t, { PROMPT_BLOCKLIST: 'gore' });

async function member(name: string) {
  const { user, accountId, platformUserId } = await makeUser(t.db, {
    name,
    platform: 'discord',
    credits: 100,
  });
  const bot = await core.bot('discord', { userId: platformUserId, userName: name });
  const publish = async (opts: { nsfw?: boolean; category?: 'image' | 'video'; prompt?: string } = {}) => {
    const g = await makeGeneration(t.db, core.app.deps.storage, { userId: user.id, accountId, ...opts });
    await bot.gallery.publish.mutate({ id: g.id });
    return g.id;
  };
  return { userId: user.id, bot, publish };
}

const feedIds = async () => (await core.anonymous().gallery.feed.query({ limit: 50 })).items.map((i) => i.id);

describe('the moderation queue', () => {
  it('has tabs: pending review, reported, and flagged NSFW by the provider', async () => {
    const author = await member('Tab Author');
    const clean = await author.publish();
    const flagged = await author.publish({ nsfw: true });
    const reported = await author.publish();
    const reporter = await member('Rex');
    await reporter.bot.gallery.report.mutate({ id: reported, reason: 'violence' });

    const mod = await core.web('moderator');
    const tab = async (name: 'pending' | 'reported' | 'nsfw') =>
      (await mod.client.moderation.queue.query({ tab: name, limit: 50 })).items.map((i) => i.id);
    expect(await tab('pending')).toContain(flagged);
    expect(await tab('pending')).not.toContain(clean);
    expect(await tab('nsfw')).toEqual(expect.arrayContaining([flagged]));
    expect(await tab('nsfw')).not.toContain(reported);
    expect(await tab('reported')).toContain(reported);
    expect(await tab('reported')).not.toContain(clean);
    const videos = await mod.client.moderation.queue.query({ tab: 'reported', category: 'video' });
    expect(videos.items.map((i) => i.id)).not.toContain(reported);
  });

  it('folds repeated reports of one item into one row with a count per typed reason', async () => {
    const author = await member('Fold Author');
    const item = await author.publish();
    const reporters = await Promise.all(['A', 'B'].map((n) => member(`Reporter ${n}`)));
    await reporters[0]!.bot.gallery.report.mutate({ id: item, reason: 'spam' });
    await reporters[0]!.bot.gallery.report.mutate({ id: item, reason: 'hate' }); // the same person again
    await reporters[1]!.bot.gallery.report.mutate({
      id: item,
      reason: 'other',
      details: 'copied from my portfolio',
    });

    const mod = await core.web('moderator');
    const rows = (await mod.client.moderation.queue.query({ tab: 'reported', limit: 50 })).items.filter(
      (i) => i.id === item,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      reportCount: 2,
      authorName: 'Fold Author',
      reasons: [
        { category: 'other', count: 1 },
        { category: 'spam', count: 1 },
      ],
    });
    expect(rows[0]?.latestReports.map((r) => r.details)).toContain('copied from my portfolio');
  });

  it('a report needs a known reason, and "other" needs words; nothing is recorded otherwise', async () => {
    const author = await member('Strict Author');
    const item = await author.publish();
    const reporter = await member('Vague');
    const noWords = await trpcError(reporter.bot.gallery.report.mutate({ id: item, reason: 'other' }));
    expect(noWords).toMatchObject({
      appCode: 'INVALID_INPUT',
      fieldErrors: { details: ['required when the reason is "other"'] },
    });
    const unknown = await trpcError(
      reporter.bot.gallery.report.mutate({ id: item, reason: 'boring' as 'spam' }),
    );
    expect(unknown).toMatchObject({ appCode: 'INVALID_INPUT' });
    expect(unknown.fieldErrors?.reason).toBeDefined();
    const reports = await t.db
      .selectFrom('gallery_reports')
      .selectAll()
      .where('generation_id', '=', item)
      .execute();
    expect(reports).toEqual([]);
  });

  it('removing in bulk takes items out of the feed and their public pages at once, audited with the reason', async () => {
    const author = await member('Bulk Author');
    const a = await author.publish();
    const b = await author.publish();
    expect(await feedIds()).toEqual(expect.arrayContaining([a, b]));
    expect((await core.anonymous().gallery.item.query({ id: a })).id).toBe(a);

    const mod = await core.web('moderator');
    const outcome = await mod.client.moderation.act.mutate({
      ids: [a, b],
      action: 'remove',
      reason: 'stolen artwork',
    });
    expect(outcome).toEqual([
      { id: a, state: 'removed' },
      { id: b, state: 'removed' },
    ]);
    const feed = await feedIds();
    expect(feed).not.toContain(a);
    expect(feed).not.toContain(b);
    expect(await trpcError(core.anonymous().gallery.item.query({ id: a }))).toMatchObject({
      code: 'NOT_FOUND',
    });

    const log = await mod.client.admin.audit.query({ query: 'stolen artwork' });
    const logged = log.events.map((e) => [e.action, e.targetId, e.actorUserId, e.reason].join(' '));
    expect(logged.sort()).toEqual(
      [a, b].map((id) => ['gallery.remove', id, mod.userId, 'stolen artwork'].join(' ')).sort(),
    );
  });
});

describe('the audit log', () => {
  it('is searchable by action, target, reason and actor name, and pages by keyset without gaps', async () => {
    const author = await member('Audit Author');
    const ids = [await author.publish(), await author.publish(), await author.publish()];
    const mod = await core.web('moderator');
    const marker = `batch ${randomUUID().slice(0, 8)}`;
    for (const id of ids)
      await mod.client.moderation.act.mutate({ ids: [id], action: 'hide', reason: marker });

    const first = await mod.client.admin.audit.query({ query: marker, limit: 2 });
    expect(first.events).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await mod.client.admin.audit.query({ query: marker, limit: 2, cursor: first.nextCursor! });
    const seen = [...first.events, ...second.events].map((e) => e.targetId);
    expect(seen).toEqual([...ids].reverse());
    expect(second.events.at(-1)).toMatchObject({
      action: 'gallery.hide',
      reason: marker,
      actorUserId: mod.userId,
    });

    const byTarget = await mod.client.admin.audit.query({ query: ids[0]! });
    expect(byTarget.events.map((e) => e.targetId)).toEqual([ids[0]]);
    const byAction = await mod.client.admin.audit.query({ action: 'gallery.', actorUserId: mod.userId });
    expect(byAction.events.every((e) => e.action.startsWith('gallery.'))).toBe(true);
    const actorName = byAction.events[0]?.actorName ?? '';
    const byActor = await mod.client.admin.audit.query({ query: actorName.slice(0, 9) });
    expect(byActor.events.some((e) => e.actorUserId === mod.userId)).toBe(true);
    // A search term with LIKE wildcards matches literally.
    expect((await mod.client.admin.audit.query({ query: '%' })).events).toEqual([]);
  });
});

describe('the prompt block list', () => {
  it('admins add a term (audited); the next prompt with it is refused naming the term, nothing held', async () => {
    const admin = await core.web('admin');
    const artist = await member('Blocked Artist');
    const before = await artist.bot.credits.balance.query();
    expect(
      await admin.client.moderation.addBlockedTerm.mutate({ term: '  Blood Bath ', reason: 'policy update' }),
    ).toEqual({
      term: 'blood bath',
      added: true,
    });
    const list = await admin.client.moderation.blocklist.query();
    expect(list.map((e) => [e.term, e.source])).toEqual([
      ['blood bath', 'admin'],
      ['gore', 'config'],
    ]);
    const refused = await trpcError(
      artist.bot.generations.create.mutate({ input: { prompt: 'A BLOOD BATH at noon' } }),
    );
    expect(refused).toMatchObject({
      appCode: 'PROMPT_BLOCKED',
      message: 'Your prompt contains "blood bath", which this service does not allow',
      details: { term: 'blood bath' },
    });
    const fromConfig = await trpcError(
      artist.bot.generations.create.mutate({ input: { prompt: 'gore everywhere' } }),
    );
    expect(fromConfig.details).toMatchObject({ term: 'gore' });
    expect(await artist.bot.credits.balance.query()).toEqual(before);
    const audit = await admin.client.admin.audit.query({ action: 'blocklist.' });
    expect(audit.events[0]).toMatchObject({
      action: 'blocklist.add',
      targetId: 'blood bath',
      reason: 'policy update',
    });

    expect(
      await admin.client.moderation.removeBlockedTerm.mutate({ term: 'blood bath', reason: 'too broad' }),
    ).toEqual({
      term: 'blood bath',
      removed: true,
    });
    const accepted = await artist.bot.generations.quote.query({ input: { prompt: 'A BLOOD BATH at noon' } });
    expect(accepted.price).toBeGreaterThan(0);
    expect(
      await trpcError(admin.client.moderation.removeBlockedTerm.mutate({ term: 'gore', reason: 'try' })),
    ).toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('moderators may read the list but not change it', async () => {
    const mod = await core.web('moderator');
    expect((await mod.client.moderation.blocklist.query()).length).toBeGreaterThan(0);
    expect(
      await trpcError(mod.client.moderation.addBlockedTerm.mutate({ term: 'anything', reason: 'no right' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });
});
