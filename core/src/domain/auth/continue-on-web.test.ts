import { describe, expect, it } from 'vitest';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeTeam } from '../../../../test/support/factories';

const t = useTestDatabase();
const core = useTestCore(t);

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

describe('continue on web', () => {
  it("a /web link for one of the user's results opens the studio on it, signed in as that user", async () => {
    const bot = await core.bot('telegram', { userId: 'cora', userName: 'Cora' });
    const { generation } = await bot.generations.create.mutate({ input: { prompt: 'a kite over dunes' } });
    const link = await bot.auth.createSignInLink.mutate({ purpose: 'web', generationId: generation.id });

    const browser = core.browser();
    const redeemed = await browser.client.auth.redeemSignInLink.mutate({ token: tokenOf(link.url) });
    expect(redeemed.redirectTo).toBe(`/studio?g=${generation.id}`);
    const shown = await browser.client.generations.get.query({ id: generation.id });
    expect(shown).toMatchObject({ prompt: 'a kite over dunes', originPlatform: 'telegram' });
  });

  it("another user's generation gets no link, and no link row is written", async () => {
    const owner = await core.bot('telegram', { userId: 'olive' });
    const { generation } = await owner.generations.create.mutate({ input: { prompt: 'mine only' } });
    const stranger = await core.bot('telegram', { userId: 'stan' });
    const before = await t.db
      .selectFrom('sign_in_links')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const error = await trpcError(
      stranger.auth.createSignInLink.mutate({ purpose: 'web', generationId: generation.id }),
    );
    expect(error.appCode).toBe('NOT_FOUND');
    const after = await t.db
      .selectFrom('sign_in_links')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a plain /web link lands on the studio; results made on the web say so', async () => {
    const bot = await core.bot('discord', { userId: 'wes' });
    const link = await bot.auth.createSignInLink.mutate({ purpose: 'web' });
    const browser = core.browser();
    const redeemed = await browser.client.auth.redeemSignInLink.mutate({ token: tokenOf(link.url) });
    expect(redeemed.redirectTo).toBe('/studio');
    const { generation } = await browser.client.generations.create.mutate({
      input: { prompt: 'from the studio' },
    });
    expect(generation.originPlatform).toBe('web');
    const page = await browser.client.history.list.query({ limit: 5 });
    expect(page.items[0]).toMatchObject({ id: generation.id, originPlatform: 'web' });
  });
});

describe('who pays, chosen in the studio', () => {
  async function teamMember(opts: { teamCredits: number; spenders?: 'all_members' | 'space_admins' }) {
    const { space, accountId } = await makeTeam(t.db, { credits: opts.teamCredits });
    if (opts.spenders) {
      await t.db
        .updateTable('team_policies')
        .set({ spenders: opts.spenders })
        .where('account_id', '=', accountId)
        .execute();
    }
    const bot = await core.bot('discord', {
      userId: `member-${space.id}`,
      space: { id: space.platformSpaceId, kind: 'guild', name: space.name ?? 'Test team' },
    });
    const link = await bot.auth.createSignInLink.mutate({ purpose: 'web' });
    const browser = core.browser();
    await browser.client.auth.redeemSignInLink.mutate({ token: tokenOf(link.url) });
    return { web: browser.client, teamAccountId: accountId };
  }

  it('a member may pay from their own balance in a funded team space, or from the pool', async () => {
    const { web, teamAccountId } = await teamMember({ teamCredits: 100 });
    const overview = await web.credits.balance.query();
    expect(overview).toMatchObject({ payer: 'team', teamSpendable: true, team: { available: 100 } });

    await web.generations.create.mutate({ input: { prompt: 'mine' }, payWith: 'personal' });
    await web.generations.create.mutate({ input: { prompt: 'the team' }, payWith: 'team' });
    const after = await web.credits.balance.query();
    expect(after.personal).toMatchObject({ available: 49, held: 1 });
    expect(after.team).toMatchObject({ accountId: teamAccountId, available: 99, held: 1 });
  });

  it('the pool cannot be chosen by a member its policy leaves out: FORBIDDEN, nothing held', async () => {
    const { web } = await teamMember({ teamCredits: 100, spenders: 'space_admins' });
    expect(await web.credits.balance.query()).toMatchObject({ payer: 'personal', teamSpendable: false });
    const error = await trpcError(
      web.generations.create.mutate({ input: { prompt: 'no' }, payWith: 'team' }),
    );
    expect(error.appCode).toBe('FORBIDDEN');
    const after = await web.credits.balance.query();
    expect(after.team).toMatchObject({ available: 100, held: 0 });
    expect(after.personal).toMatchObject({ available: 50, held: 0 });
    expect((await web.history.list.query({ limit: 5 })).items).toEqual([]);
  });
});
