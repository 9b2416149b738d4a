import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../../../test/fakes/fal/fal-fake';
import { trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';
import { reconcileLedger } from '../credits/reconcile';

const fal = new FalFake();
beforeAll(() => fal.start());
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(t, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: { sweepEverySeconds: 3600 },
  jobPollSeconds: 0.5,
});

const SCHNELL = 'fal-ai/flux-1/schnell';

/** A fresh Telegram group with an admin and a member acting in it. */
async function group() {
  const space = { id: `group-${randomUUID()}`, kind: 'group' as const, name: 'Night owls' };
  const admin = await core.bot('telegram', { userId: `admin-${randomUUID()}`, space, spaceAdmin: true });
  const member = await core.bot('telegram', { userId: `member-${randomUUID()}`, space });
  return { space, admin, member };
}

async function auditOf(spaceName: string) {
  return t.db
    .selectFrom('audit_events')
    .innerJoin('credit_accounts', (j) =>
      j.on(sql<boolean>`credit_accounts.id::text = audit_events.target_id`),
    )
    .innerJoin('spaces', 'spaces.id', 'credit_accounts.space_id')
    .select(['audit_events.action', 'audit_events.actor_user_id', 'audit_events.data'])
    .where('spaces.platform_space_id', '=', spaceName)
    .where('audit_events.target_type', '=', 'credit_account')
    .orderBy('audit_events.id')
    .execute();
}

describe('team policy', () => {
  it('a space admin sets the cap, the models and the spenders; the pool starts with its starter credits; every change is audited', async () => {
    const { space, admin } = await group();
    const me = await admin.me.get.query();
    const before = await admin.team.overview.query();
    expect(before).toMatchObject({ pool: null, policy: null, viewerIsAdmin: true, members: [] });

    const capped = await admin.team.setCap.mutate({ cap: 30 });
    expect(capped.pool).toMatchObject({ kind: 'team', available: 200, held: 0 });
    expect(capped.policy).toEqual({ spenders: 'everyone', memberMonthlyCap: 30, allowedModels: null });

    const limited = await admin.team.setModels.mutate({ models: ['flux', 'sdxl', 'fal-ai/flux-1/schnell'] });
    expect(limited.policy?.allowedModels).toEqual([
      { id: SCHNELL, name: 'FLUX.1 [schnell]' },
      { id: 'fal-ai/fast-sdxl', name: 'Stable Diffusion XL' },
    ]);
    const adminsOnly = await admin.team.setSpenders.mutate({ spenders: 'admins' });
    expect(adminsOnly.policy?.spenders).toBe('admins');
    const uncapped = await admin.team.setCap.mutate({ cap: null });
    expect(uncapped.policy).toMatchObject({ memberMonthlyCap: null, spenders: 'admins' });
    const everyModel = await admin.team.setModels.mutate({ models: null });
    expect(everyModel.policy?.allowedModels).toBeNull();

    const audit = await auditOf(space.id);
    expect(audit.map((a) => a.action)).toEqual(Array(5).fill('team.policy.update'));
    expect(new Set(audit.map((a) => a.actor_user_id))).toEqual(new Set([me.user.id]));
    expect(audit[0]?.data).toMatchObject({ memberMonthlyCap: 30 });
    expect(audit[2]?.data).toMatchObject({ spenders: 'space_admins' });
  });

  it("a member's policy change is refused and nothing changes", async () => {
    const { space, admin, member } = await group();
    // No pool yet: refusing must not create one either.
    expect(await trpcError(member.team.setCap.mutate({ cap: 5 }))).toMatchObject({
      appCode: 'FORBIDDEN',
      message: 'Only admins of this space can change its team policy',
    });
    expect((await member.team.overview.query()).pool).toBeNull();

    await admin.team.setCap.mutate({ cap: 30 });
    const auditBefore = await auditOf(space.id);
    for (const attempt of [
      member.team.setCap.mutate({ cap: null }),
      member.team.setModels.mutate({ models: ['veo'] }),
      member.team.setSpenders.mutate({ spenders: 'admins' }),
    ]) {
      expect(await trpcError(attempt)).toMatchObject({ appCode: 'FORBIDDEN', code: 'FORBIDDEN' });
    }
    const after = await member.team.overview.query();
    expect(after.viewerIsAdmin).toBe(false);
    expect(after.policy).toEqual({ spenders: 'everyone', memberMonthlyCap: 30, allowedModels: null });
    expect(await auditOf(space.id)).toEqual(auditBefore);
  });

  it('an unknown model name is refused with the name, and the policy stays as it was', async () => {
    const { admin } = await group();
    await admin.team.setModels.mutate({ models: ['flux'] });
    const refused = await trpcError(admin.team.setModels.mutate({ models: ['flux', 'no-such-model'] }));
    expect(refused).toMatchObject({ appCode: 'INVALID_INPUT' });
    expect(refused.message).toContain('no-such-model');
    expect((await admin.team.overview.query()).policy?.allowedModels).toEqual([
      { id: SCHNELL, name: 'FLUX.1 [schnell]' },
    ]);
  });

  it('a direct chat has no team: the overview says so in words', async () => {
    const dm = await core.bot('telegram', {
      userId: `lonely-${randomUUID()}`,
      space: { id: `dm-${randomUUID()}`, kind: 'dm', name: 'DM' },
      spaceAdmin: true,
    });
    const refused = await trpcError(dm.team.overview.query());
    expect(refused).toMatchObject({ appCode: 'INVALID_INPUT' });
    expect(refused.message).toMatch(/group, server or workspace/);
  });
});

describe('spending a team pool', () => {
  it('a member over the monthly cap is refused and nothing is held; the overview shows the month per member', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(), webhook: false });
    const { admin, member } = await group();
    await admin.team.setCap.mutate({ cap: 3 });
    const first = await member.generations.create.mutate({
      model: 'flux',
      input: { prompt: 'owl', num_images: 2 },
    });
    await waitUntil(
      async () => (await member.generations.get.query({ id: first.generation.id })).status === 'succeeded',
    );
    const before = await member.credits.balance.query();
    expect(before.team).toMatchObject({ available: 198, held: 0 });

    const refused = await trpcError(
      member.generations.create.mutate({ model: 'flux', input: { prompt: 'two more owls', num_images: 2 } }),
    );
    expect(refused).toMatchObject({ appCode: 'CAP_EXCEEDED', details: { price: 2, cap: 3, used: 2 } });
    const after = await member.credits.balance.query();
    expect(after.team).toEqual(before.team);
    expect(after.personal).toEqual(before.personal);
    expect(
      await t.db.selectFrom('generations').select('id').where('prompt', '=', 'two more owls').execute(),
    ).toEqual([]);

    // One more credit still fits under the cap.
    await member.generations.create.mutate({ model: 'flux', input: { prompt: 'one owl' } });
    const mine = await member.team.overview.query();
    expect(mine.members).toEqual([
      expect.objectContaining({ userId: (await member.me.get.query()).user.id, spent: expect.any(Number) }),
    ]);
    const all = await admin.team.overview.query();
    expect(all.members).toHaveLength(1); // the admin spent nothing yet
    await admin.generations.create.mutate({ model: 'flux', input: { prompt: 'admin owl' } });
    const both = await waitUntil(async () => {
      const o = await admin.team.overview.query();
      return o.members.length === 2 && o.members.every((m) => m.held === 0) ? o : null;
    });
    expect(both.members.map((m) => m.spent)).toEqual([3, 1]);
    expect((await member.team.overview.query()).members).toHaveLength(1);
    expect(await reconcileLedger(t.db)).toEqual([]);
  });

  it("a pool for admins only: a member's work is paid personally, an admin's by the pool", async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(), webhook: false });
    const { admin, member } = await group();
    await admin.team.setSpenders.mutate({ spenders: 'admins' });
    await member.generations.create.mutate({ model: 'flux', input: { prompt: 'member pays' } });
    await admin.generations.create.mutate({ model: 'flux', input: { prompt: 'pool pays' } });
    const memberBalance = await waitUntil(async () => {
      const b = await member.credits.balance.query();
      return b.personal.held === 0 && b.team?.held === 0 ? b : null;
    });
    expect(memberBalance.payer).toBe('personal');
    expect(memberBalance.personal.available).toBe(49);
    expect(memberBalance.team?.available).toBe(199);
  });

  it('on Slack, where the pool always pays, a member of an admins-only pool is refused and nothing is held', async () => {
    const space = { id: `T${randomUUID().slice(0, 8)}`, kind: 'workspace' as const, name: 'Strict Inc' };
    const admin = await core.bot('slack', { userId: `UA-${space.id}`, space, spaceAdmin: true });
    const member = await core.bot('slack', { userId: `UM-${space.id}`, space });
    await admin.team.setSpenders.mutate({ spenders: 'admins' });
    const before = await member.credits.balance.query();
    const refused = await trpcError(
      member.generations.create.mutate({ model: 'flux', input: { prompt: 'x' } }),
    );
    expect(refused).toMatchObject({
      appCode: 'FORBIDDEN',
      message: "Only this space's admins may spend its team credits",
    });
    expect(await member.credits.balance.query()).toEqual(before);
    expect(before.team).toMatchObject({ available: 200, held: 0 });
  });

  it('a new team pool receives its starter credits once, however many first calls race', async () => {
    const space = { id: `race-${randomUUID()}`, kind: 'group' as const, name: 'Racers' };
    const admins = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        core.bot('telegram', { userId: `racer-${i}-${space.id}`, space, spaceAdmin: true }),
      ),
    );
    await Promise.all(admins.map((a, i) => a.team.setCap.mutate({ cap: 10 + i })));
    const overview = await admins[0]!.team.overview.query();
    expect(overview.pool).toMatchObject({ available: 200, held: 0 });
    const starters = await t.db
      .selectFrom('credit_entries')
      .select('amount')
      .where('account_id', '=', overview.pool!.accountId)
      .where('kind', '=', 'starter')
      .execute();
    expect(starters).toEqual([{ amount: 200 }]);
  });

  it("a Slack workspace's pool is made on first contact with the starter credits, once", async () => {
    const space = { id: `T${randomUUID().slice(0, 8)}`, kind: 'workspace' as const, name: 'Acme' };
    const [a, b] = await Promise.all([
      core.bot('slack', { userId: `U1-${space.id}`, space }),
      core.bot('slack', { userId: `U2-${space.id}`, space }),
    ]);
    const [one, two] = await Promise.all([a.credits.balance.query(), b.credits.balance.query()]);
    expect(one.team).toEqual(two.team);
    expect(one.team).toMatchObject({ available: 200, held: 0 });
    expect(one.payer).toBe('team');
  });
});
