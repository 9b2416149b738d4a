import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { createServiceToken } from '../domain/auth/auth.service';
import { encodeActor } from '../wire/actor-header';
import { transformer } from '../wire/transformer';

// Text PostgreSQL cannot store (NUL, unpaired UTF-16 surrogates) and cursors naming impossible times are
// refused as field errors (400) wherever they arrive, and nothing is changed.

const t = useTestDatabase();
const core = useTestCore(t);

const NUL = 'cat\u0000dog';
const LONE_HIGH = 'cat \uD83D dog';
const LONE_LOW = 'cat \uDC36 dog';

describe('unstorable text', () => {
  it('in a prompt or a request key: a 400 naming the field, and nothing is held', async () => {
    const bot = await core.bot('telegram', { userId: 'nul-nora' });
    const before = (await bot.credits.balance.query()).personal;
    for (const prompt of [NUL, LONE_HIGH, LONE_LOW]) {
      const refused = await trpcError(bot.generations.create.mutate({ model: 'flux', input: { prompt } }));
      expect(refused).toMatchObject({ httpStatus: 400, appCode: 'INVALID_INPUT' });
      expect(Object.keys(refused.fieldErrors ?? {})).toEqual(['input.prompt']);
    }
    const badKey = await trpcError(
      bot.generations.create.mutate({ model: 'flux', input: { prompt: 'fine' }, requestKey: LONE_HIGH }),
    );
    expect(badKey).toMatchObject({ httpStatus: 400, appCode: 'INVALID_INPUT' });
    expect(Object.keys(badKey.fieldErrors ?? {})).toEqual(['requestKey']);

    expect((await bot.credits.balance.query()).personal).toEqual(before);
    expect((await bot.history.list.query({})).items).toEqual([]);
  });

  it('in a username, a search, a moderation reason and an admin reason: a 400 naming the field', async () => {
    const login = await trpcError(
      core.anonymous().auth.login.mutate({ username: NUL, password: 'whatever' }),
    );
    expect(login).toMatchObject({ httpStatus: 400, fieldErrors: { username: [expect.any(String)] } });

    const mod = await core.web('moderator');
    const search = await trpcError(mod.client.admin.searchAccounts.query({ query: LONE_LOW }));
    expect(search).toMatchObject({ httpStatus: 400, fieldErrors: { query: [expect.any(String)] } });
    const act = await trpcError(
      mod.client.moderation.act.mutate({ ids: [randomUUID()], action: 'hide', reason: `spam ${NUL}` }),
    );
    expect(act).toMatchObject({ httpStatus: 400, fieldErrors: { reason: [expect.any(String)] } });

    const admin = await core.web('admin');
    const bot = await core.bot('discord', { userId: 'grant-target' });
    const { accountId } = (await bot.credits.balance.query()).personal;
    const grant = await trpcError(
      admin.client.admin.grant.mutate({ accountId, amount: 5, reason: NUL, idempotencyKey: randomUUID() }),
    );
    expect(grant).toMatchObject({ httpStatus: 400, fieldErrors: { reason: [expect.any(String)] } });
    expect((await bot.credits.balance.query()).personal.available).toBe(50);
  });

  it("in the bot's actor header: a 400 naming the header's field, and no user is created", async () => {
    const token = await createServiceToken(t.db, { name: 'nul-bot', platform: 'slack' });
    const res = await fetch(`${core.app.url}/trpc/me.get`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-atelier-actor': encodeActor({ userId: 'U-nul', userName: `Eve${'\u0000'}`, space: null }),
      },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: never };
    const error = transformer.deserialize<{ data: { appCode: string; fieldErrors: object } }>(body.error);
    expect(error.data.appCode).toBe('INVALID_INPUT');
    expect(Object.keys(error.data.fieldErrors)).toEqual(['x-atelier-actor.userName']);
    const users = await t.db
      .selectFrom('identities')
      .select('id')
      .where('platform_user_id', '=', 'U-nul')
      .execute();
    expect(users).toEqual([]);
  });
});

/** A cursor shaped like the real ones (see history.service encodeCursor) with a given timestamp. */
const cursorAt = (at: string) => Buffer.from(JSON.stringify([at, randomUUID()])).toString('base64url');
const IMPOSSIBLE = [
  '2026-13-01T00:00:00.000000Z',
  '2026-02-31T00:00:00.000000Z',
  '2026-01-01T25:00:00.000000Z',
  '2026-01-01T00:61:00.000000Z',
  '0000-01-01T00:00:00.000000Z',
];

describe('page cursors with impossible timestamps', () => {
  it('are a 400 on history.list, gallery.feed and moderation.queue', async () => {
    const bot = await core.bot('telegram', { userId: 'cursor-carl' });
    const mod = await core.web('moderator');
    for (const at of IMPOSSIBLE) {
      const cursor = cursorAt(at);
      for (const call of [
        () => bot.history.list.query({ cursor }),
        () => core.anonymous().gallery.feed.query({ cursor }),
        () => mod.client.moderation.queue.query({ cursor }),
      ]) {
        const refused = await trpcError(call());
        expect(refused, at).toMatchObject({ httpStatus: 400, appCode: 'INVALID_INPUT' });
        expect(refused.fieldErrors?.cursor).toBeDefined();
      }
    }
    // A real instant with microseconds still pages.
    const page = await bot.history.list.query({ cursor: cursorAt('2026-02-28T23:59:59.999999Z') });
    expect(page.items).toEqual([]);
  });
});
