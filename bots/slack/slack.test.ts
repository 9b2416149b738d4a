import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../../test/fakes/fal/fal-fake';
import type { Channel, Member, TranscriptEntry, Workspace } from '../../test/fakes/slack/slack-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { pngBytes } from '../../test/support/generations';
import { freePort } from '../../test/support/ports';
import { useSlackApp } from '../../test/support/slack-app';
import { waitUntil } from '../../test/support/wait';

const SCHNELL = 'fal-ai/flux-1/schnell';
const IMAGE_TO_IMAGE = 'fal-ai/flux/dev/image-to-image';
const RED = pngBytes(7, 4, 3);
const fal = new FalFake();
let port = 0;

beforeAll(async () => {
  await fal.start();
  port = await freePort();
});
afterAll(() => fal.close());

const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    TEAM_STARTER_CREDITS: '200',
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);
const app = useSlackApp(t, core);
const slack = app.slack;

let acme: Workspace;
let alice: Member;
let bob: Member;
let general: Channel;

beforeAll(() => {
  acme = slack.world.addWorkspace({ name: 'Acme' });
  alice = slack.world.addMember(acme, { name: 'Alice', admin: true });
  bob = slack.world.addMember(acme, { name: 'Bob' });
  general = slack.world.addChannel(acme, { name: 'general', members: [alice, bob] });
  slack.install(acme, alice);
});

const inputOf = (r: { input: unknown } | undefined) =>
  (r?.input ?? {}) as { prompt?: string; image_url?: string };
const requestFor = (prompt: string) => fal.requests.find((r) => inputOf(r).prompt === prompt);

async function poolOf(team: Workspace) {
  return t.db
    .selectFrom('credit_accounts')
    .innerJoin('spaces', 'spaces.id', 'credit_accounts.space_id')
    .select(['credit_accounts.id', 'available', 'held'])
    .where('spaces.platform', '=', 'slack')
    .where('spaces.platform_space_id', '=', team.id)
    .where('credit_accounts.kind', '=', 'team')
    .executeTakeFirst();
}

async function personalOf(member: Member) {
  return t.db
    .selectFrom('credit_accounts')
    .innerJoin('identities', 'identities.user_id', 'credit_accounts.user_id')
    .select(['available', 'held'])
    .where('identities.platform', '=', 'slack')
    .where('identities.platform_user_id', '=', member.id)
    .where('credit_accounts.kind', '=', 'personal')
    .executeTakeFirst();
}

async function generationsOf(member: Member) {
  return t.db
    .selectFrom('generations')
    .innerJoin('identities', 'identities.user_id', 'generations.user_id')
    .select([
      'generations.id',
      'generations.status',
      'generations.prompt',
      'generations.account_id',
      'generations.deleted_at',
    ])
    .where('identities.platform', '=', 'slack')
    .where('identities.platform_user_id', '=', member.id)
    .orderBy('generations.created_at')
    .execute();
}

const resultsIn = (channel: Channel, prompt?: string) =>
  slack
    .messages(channel)
    .filter((m) => m.via !== 'user' && m.files.length > 0 && (!prompt || m.text.includes(prompt)));
const waitForResult = (channel: Channel, prompt: string) =>
  waitUntil(() => resultsIn(channel, prompt)[0], { timeoutMs: 20_000, label: `a result for “${prompt}”` });
const buttonValue = (m: TranscriptEntry, label: string) => {
  for (const block of m.blocks) {
    for (const e of (block.elements as
      | { text?: { text: string }; action_id: string; value?: string }[]
      | undefined) ?? []) {
      if (e.text?.text === label) return e.action_id;
    }
  }
  throw new Error(`no ${label} button on ${m.text}`);
};
const visibleTo = (member: Member, channel: Channel) =>
  slack.messages(channel).filter((m) => !m.visibleTo || m.visibleTo === member.id);

describe('generating from Slack', () => {
  it('/atelier gen: acknowledged by the HTTP response, progress updated in place, the result uploaded with buttons', async () => {
    fal.setBehavior(SCHNELL, { queuePolls: 2, progressPolls: 2, output: imageOutput(RED), webhook: false });
    await app.start();
    const ack = await slack.user.slashCommand(alice, general, '/atelier', 'gen a red fox --size 16:9');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');

    const result = await waitForResult(general, 'a red fox');
    expect(result.files[0]!.bytes?.equals(RED)).toBe(true);
    const labels = slack.transcript(general).find((l) => l.includes('{atelier-'));
    expect(labels).toMatch(/\[Reroll \| Publish \| .*Delete\]/);
    const progress = slack.messages(general).find((m) => m.history[0]?.text.startsWith('Generating with'))!;
    expect(progress.history[0]!.text).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
    await waitUntil(() => slack.world.message(general.id, progress.ts)?.text.startsWith('Done'));
    expect(slack.world.message(general.id, progress.ts)!.text).toBe('Done: FLUX.1 [schnell], 1 credit.');
    expect(inputOf(requestFor('a red fox'))).toMatchObject({ image_size: 'landscape_16_9' });
  });

  it('a mention with a file uses the file as the input image, answered in the thread', async () => {
    fal.setBehavior(IMAGE_TO_IMAGE, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    const photoBytes = pngBytes(3, 6, 5);
    const photo = slack.uploadAsMember(bob, { name: 'cat.png', bytes: photoBytes });
    const parent = slack.postAsMember(bob, general, 'look at my cat');
    await slack.user.mention(bob, general, 'gen make it night', { files: [photo], threadTs: parent.ts });

    const result = await waitForResult(general, 'make it night');
    expect(result.threadTs).toBe(parent.ts);
    const request = requestFor('make it night');
    expect(request?.appId).toBe(IMAGE_TO_IMAGE);
    const uploaded = fal.uploads.find((f) => f.url === inputOf(request).image_url);
    expect(uploaded?.bytes.equals(photoBytes)).toBe(true);
  });

  it('Use as input: the message’s image and the prompt typed in the modal', async () => {
    fal.setBehavior(IMAGE_TO_IMAGE, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    const photoBytes = pngBytes(9, 5, 5);
    const source = slack.postAsMember(bob, general, 'sunset', [
      slack.uploadAsMember(bob, { name: 'sunset.png', bytes: photoBytes }),
    ]);
    expect((await slack.user.messageShortcut(alice, source, 'use_as_input')).status).toBe(200);
    const modal = await waitUntil(() => slack.openModals(alice)[0], { label: 'the prompt modal' });

    const empty = await slack.user.submitView(alice, modal, { prompt: { text: '  ' } });
    expect(empty.errors).toEqual({ prompt: 'Say what to make from the image' });
    const typo = await slack.user.submitView(alice, modal, {
      prompt: { text: 'as a watercolor --count many' },
    });
    expect(typo.errors?.prompt).toMatch(/--count needs a whole number/);
    expect(slack.openModals(alice)).toHaveLength(1);
    await slack.user.submitView(alice, modal, { prompt: { text: 'as a watercolor' } });
    expect(slack.openModals(alice)).toHaveLength(0);

    const result = await waitForResult(general, 'as a watercolor');
    expect(result.threadTs).toBe(source.ts);
    const uploaded = fal.uploads.find((f) => f.url === inputOf(requestFor('as a watercolor')).image_url);
    expect(uploaded?.bytes.equals(photoBytes)).toBe(true);
  });

  it('a shortcut on a message without an image says so, only to the member', async () => {
    await app.start();
    const source = slack.postAsMember(bob, general, 'just words');
    await slack.user.messageShortcut(alice, source, 'use_as_input');
    await waitUntil(() => visibleTo(alice, general).some((m) => m.text.includes('no image')));
    expect(slack.messages(general).find((m) => m.text.includes('no image'))?.visibleTo).toBe(alice.id);
    expect(slack.openModals(alice)).toHaveLength(0);
  });

  it('typing mistakes are answered at once in the acknowledgement, only to the member', async () => {
    await app.start();
    const ack = await slack.user.slashCommand(bob, general, '/atelier', 'gen a fox --count many');
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.parse(ack.body).text).toMatch(/^--count needs a whole number/);
    const help = await slack.user.slashCommand(bob, general, '/atelier', '');
    expect(help.status).toBe(200);
    await waitUntil(() =>
      visibleTo(bob, general).some(
        (m) => /gen/.test(m.text) && m.visibleTo === bob.id && m.via === 'response_url',
      ),
    );
  });
});

describe('the workspace pool', () => {
  it('two members spend from the pool and neither personal balance moves', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    const before = (await poolOf(acme))!;
    const alicePersonal = await personalOf(alice);
    const bobPersonal = await personalOf(bob);
    await slack.user.slashCommand(alice, general, '/atelier', 'gen pool fox one');
    await slack.user.slashCommand(bob, general, '/atelier', 'gen pool fox two');
    await waitForResult(general, 'pool fox one');
    await waitForResult(general, 'pool fox two');
    await waitUntil(async () => (await poolOf(acme))!.held === 0);
    expect((await poolOf(acme))!.available).toBe(before.available - 2);
    expect(await personalOf(alice)).toEqual(alicePersonal);
    expect(await personalOf(bob)).toEqual(bobPersonal);
    const mine = (await generationsOf(bob)).filter((g) => g.prompt === 'pool fox two');
    expect(mine.map((g) => g.account_id)).toEqual([before.id]);
  });

  it('a non-admin cannot change the policy; an admin can; a member over the cap is refused with nothing held', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    await slack.user.slashCommand(bob, general, '/atelier', 'team cap 0');
    await waitUntil(() =>
      visibleTo(bob, general).some((m) => m.visibleTo === bob.id && /admin/i.test(m.text)),
    );
    const policy = async () =>
      t.db
        .selectFrom('team_policies')
        .select('member_monthly_cap')
        .where('account_id', '=', (await poolOf(acme))!.id)
        .executeTakeFirst();
    expect((await policy())?.member_monthly_cap ?? null).toBeNull();

    await slack.user.slashCommand(alice, general, '/atelier', 'team cap 0');
    await waitUntil(async () => (await policy())?.member_monthly_cap === 0);

    const pool = (await poolOf(acme))!;
    const before = (await generationsOf(bob)).length;
    await slack.user.slashCommand(bob, general, '/atelier', 'gen over the cap');
    await waitUntil(() => visibleTo(bob, general).some((m) => /monthly limit/.test(m.text)), {
      label: 'the cap refusal',
    });
    expect(await poolOf(acme)).toEqual(pool);
    expect(await generationsOf(bob)).toHaveLength(before);

    await slack.user.slashCommand(alice, general, '/atelier', 'team cap off');
    await waitUntil(async () => (await policy())?.member_monthly_cap === null);
  });
});

describe('buttons and redeliveries', () => {
  it('an event redelivered with X-Slack-Retry-Num generates once', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    const first = await slack.user.mention(alice, general, 'gen retried fox');
    await slack.user.redeliver(first.delivery, 1);
    await waitForResult(general, 'retried fox');
    // Another replica (a restart) sees the redelivery without knowing the original: core's request key answers.
    await app.start();
    await slack.user.redeliver(first.delivery, 2);
    await slack.user.slashCommand(alice, general, '/atelier', 'gen marker fox');
    await waitForResult(general, 'marker fox');
    expect((await generationsOf(alice)).filter((g) => g.prompt === 'retried fox')).toHaveLength(1);
  });

  it('buttons work after a restart; pressing twice rerolls once; another member is refused', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start();
    await slack.user.slashCommand(alice, general, '/atelier', 'gen button fox');
    const result = await waitForResult(general, 'button fox');
    await app.start(); // a restart: nothing about the message is kept in memory

    const reroll = buttonValue(result, 'Reroll');
    const progressMessages = () =>
      slack.messages(general).filter((m) => (m.history[0]?.text ?? m.text).startsWith('Generating with'));
    const before = progressMessages().length;
    await slack.user.pressButton(alice, result, reroll);
    await slack.user.pressButton(alice, result, reroll);
    // Both presses were taken (each shows progress); core's request key makes the second the same job.
    await waitUntil(() => progressMessages().length === before + 2);
    await waitUntil(
      async () => (await generationsOf(alice)).filter((g) => g.prompt === 'button fox').length === 2,
    );
    await slack.user.pressButton(bob, result, buttonValue(result, 'Delete'));
    await waitUntil(
      () =>
        visibleTo(bob, general).some(
          (m) => m.visibleTo === bob.id && /^Only the person who made this can use its buttons/.test(m.text),
        ),
      {
        label: 'the refusal',
      },
    );
    await waitUntil(async () => resultsIn(general, 'button fox').length === 2);
    expect((await generationsOf(alice)).filter((g) => g.prompt === 'button fox')).toHaveLength(2);
    expect((await generationsOf(alice)).every((g) => g.deleted_at === null)).toBe(true);
  });

  it('a provider failure refunds the pool and says why', async () => {
    fal.setBehavior('fal-ai/flux/dev', {
      error: {
        status: 422,
        detail: [{ loc: ['body', 'prompt'], msg: 'prompt is not allowed', type: 'value_error' }],
      },
      webhook: false,
    });
    await app.start();
    const pool = (await poolOf(acme))!;
    await slack.user.slashCommand(alice, general, '/atelier', 'gen a forbidden thing --model dev');
    const failed = await waitUntil(() => slack.messages(general).find((m) => m.text.startsWith('Failed')), {
      timeoutMs: 20_000,
    });
    expect(failed.text).toMatch(/prompt is not allowed.*returned/);
    await waitUntil(async () => (await poolOf(acme))!.held === 0);
    expect((await poolOf(acme))!.available).toBe(pool.available);
  });
});

describe('private answers and App Home', () => {
  it('/atelier buy gives an admin a private link for the team; credits are answered ephemerally', async () => {
    await app.start();
    await slack.user.slashCommand(alice, general, '/atelier', 'buy');
    const link = await waitUntil(() =>
      slack.messages(general).find((m) => m.text.includes('/auth/link?token=')),
    );
    expect(link.visibleTo).toBe(alice.id);
    await slack.user.slashCommand(bob, general, '/atelier', 'credits');
    const balance = await waitUntil(() =>
      slack
        .messages(general)
        .find((m) => m.visibleTo === bob.id && /credit/.test(m.text) && m.via === 'response_url'),
    );
    expect(balance.visibleTo).toBe(bob.id);
  });

  it('App Home shows the member’s spend this month, the pool and their latest results', async () => {
    await app.start();
    await slack.user.openAppHome(alice);
    const home = await waitUntil(() => slack.home(alice));
    const text = JSON.stringify(home.body);
    expect(text).toContain('You this month');
    expect(text).toContain('Workspace pool');
    expect(text).toContain('button fox');
  });
});

describe('several workspaces through OAuth', () => {
  it('two workspaces installed through OAuth keep separate pools', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start({
      kind: 'oauth',
      clientId: slack.app.clientId,
      clientSecret: slack.app.clientSecret,
      stateSecret: 'state-secret-for-tests',
      publicUrl: core.app.url,
    });
    const teams = ['Initech', 'Globex'].map((name) => {
      const workspace = slack.world.addWorkspace({ name });
      const owner = slack.world.addMember(workspace, { name: `${name} owner`, owner: true });
      const channel = slack.world.addChannel(workspace, { name: 'art', members: [owner] });
      return { workspace, owner, channel };
    });
    for (const { owner } of teams) {
      expect((await slack.user.installThroughOAuth(`${core.app.url}/slack/install`, owner)).status).toBe(200);
    }
    const before = await Promise.all(teams.map(async (team) => (await poolOf(team.workspace))!));
    expect(before[0]!.id).not.toBe(before[1]!.id);
    // Each new pool starts with TEAM_STARTER_CREDITS.
    expect(before.map((p) => p.available)).toEqual([200, 200]);

    const [initech, globex] = teams as [(typeof teams)[number], (typeof teams)[number]];
    await slack.user.slashCommand(initech.owner, initech.channel, '/atelier', 'gen initech fox one');
    await slack.user.slashCommand(initech.owner, initech.channel, '/atelier', 'gen initech fox two');
    await slack.user.slashCommand(globex.owner, globex.channel, '/atelier', 'gen globex fox');
    await waitForResult(initech.channel, 'initech fox one');
    await waitForResult(initech.channel, 'initech fox two');
    await waitForResult(globex.channel, 'globex fox');
    await waitUntil(
      async () =>
        (await poolOf(initech.workspace))!.held === 0 && (await poolOf(globex.workspace))!.held === 0,
    );
    expect((await poolOf(initech.workspace))!.available).toBe(before[0]!.available - 2);
    expect((await poolOf(globex.workspace))!.available).toBe(before[1]!.available - 1);
    const names = await t.db
      .selectFrom('spaces')
      .select('name')
      .where(
        'platform_space_id',
        'in',
        teams.map((team) => team.workspace.id),
      )
      .orderBy('name')
      .execute();
    expect(names.map((n) => n.name)).toEqual(['Globex', 'Initech']);
    // Each workspace was answered with its own installation's token.
    const uploads = slack.calls.filter(
      (c) => c.method === 'files.completeUploadExternal' && c.outcome === 'ok',
    );
    expect(new Set(uploads.slice(-3).map((c) => c.teamId))).toEqual(
      new Set([initech.workspace.id, globex.workspace.id]),
    );
  });
});

describe('Socket Mode', () => {
  it('with SLACK_APP_TOKEN the app opens a WebSocket, acknowledges commands there and answers as usual', async () => {
    fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
    await app.start(undefined, { appToken: slack.app.appToken });
    await waitUntil(() => slack.socketMode.connections === 1, { label: 'the Socket Mode connection' });

    const typo = await slack.user.slashCommandOverSocket(bob, general, '/atelier', 'gen a fox --count many');
    expect(typo.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(String(typo.payload?.text)).toMatch(/^--count needs a whole number/);

    const ack = await slack.user.slashCommandOverSocket(alice, general, '/atelier', 'gen socket fox');
    expect(ack.payload).toBeUndefined();
    await waitForResult(general, 'socket fox');
    // Nothing goes over HTTP in Socket Mode: a signed request to the Request URL finds no app.
    expect((await slack.user.slashCommand(alice, general, '/atelier', 'credits')).status).toBe(404);
  });
});
