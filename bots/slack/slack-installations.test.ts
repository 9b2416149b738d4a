import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { type Channel, FakeSlack, type Member, type Workspace } from '../../test/fakes/slack/slack-fake';
import { eventEnvelope } from '../../test/fakes/slack/slack-payloads';
import { trpcError, useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { fund } from '../../test/support/factories';
import { waitUntil } from '../../test/support/wait';
import { connectCore } from '../kit/core-client';
import { createSlackHttpApp } from './slack-http-app';
import { coreInstallationStore } from './slack-installation-store';

const t = useTestDatabase();
const core = useTestCore(t);
const slack = new FakeSlack();

let acme: Workspace;
let alice: Member;
let acmeGeneral: Channel;
let globex: Workspace;
let gina: Member;
let globexLobby: Channel;

beforeAll(async () => {
  await slack.start();
  slack.world.app.requestUrl = `${core.app.url}/slack/events`;
  slack.world.app.redirectUrls.push(`${core.app.url}/slack/oauth_redirect`);
  const serviceToken = await createServiceToken(t.db, { name: 'slack-app', platform: 'slack' });
  const { app, handle } = createSlackHttpApp({
    signingSecret: slack.app.signingSecret,
    apiUrl: slack.apiUrl,
    auth: {
      kind: 'oauth',
      clientId: slack.app.clientId,
      clientSecret: slack.app.clientSecret,
      stateSecret: 'state-secret-for-tests',
      publicUrl: core.app.url,
      installationStore: coreInstallationStore(connectCore({ coreUrl: core.app.url, serviceToken }).service),
    },
  });
  // Stands in for the adapter's listeners: answers a mention in the channel with the workspace it came from.
  app.event('app_mention', async ({ event, say, context }) => {
    await say({ text: `heard “${event.text.replace(/^<@\w+>\s*/, '')}” in ${context.teamId}` });
  });
  core.app.mount({ prefix: '/slack', name: 'slack', handle });

  acme = slack.world.addWorkspace({ name: 'Acme' });
  alice = slack.world.addMember(acme, { name: 'Alice', admin: true });
  acmeGeneral = slack.world.addChannel(acme, { name: 'general', members: [alice] });
  globex = slack.world.addWorkspace({ name: 'Globex', enterprise: { name: 'Globex Holdings' } });
  gina = slack.world.addMember(globex, { name: 'Gina', owner: true });
  globexLobby = slack.world.addChannel(globex, { name: 'lobby', members: [gina] });
});

afterAll(() => slack.close());

const installUrl = () => `${core.app.url}/slack/install`;
const installationRow = (teamId: string) =>
  t.db.selectFrom('slack_installations').selectAll().where('team_id', '=', teamId).executeTakeFirst();
const poolOf = (teamId: string) =>
  t.db
    .selectFrom('credit_accounts')
    .innerJoin('spaces', 'spaces.id', 'credit_accounts.space_id')
    .select(['credit_accounts.id', 'credit_accounts.available'])
    .where('spaces.platform', '=', 'slack')
    .where('spaces.platform_space_id', '=', teamId)
    .where('credit_accounts.kind', '=', 'team')
    .executeTakeFirst();
const repliesIn = (channel: Channel) => slack.transcript(channel).filter((line) => line.startsWith('bot'));

describe('Slack installations kept by core', () => {
  it('two workspaces install through OAuth: each gets its own sealed installation, space and pool', async () => {
    const first = await slack.user.installThroughOAuth(installUrl(), alice);
    expect(first).toMatchObject({ status: 200 });
    expect(first.body).toContain('Atelier is installed in Acme');
    expect((await slack.user.installThroughOAuth(installUrl(), gina)).status).toBe(200);

    const acmeRow = await installationRow(acme.id);
    const globexRow = await installationRow(globex.id);
    expect(acmeRow).toMatchObject({
      installation_key: `T:${acme.id}`,
      team_name: 'Acme',
      installed_by: alice.id,
    });
    expect(globexRow).toMatchObject({ enterprise_id: globex.enterpriseId, installed_by: gina.id });
    // The bot tokens are nowhere in the table in plain text.
    for (const [row, team] of [
      [acmeRow, acme],
      [globexRow, globex],
    ] as const) {
      expect(JSON.stringify(row)).not.toContain(slack.world.installationOf(team.id)!.botToken);
      expect(JSON.stringify(row)).not.toContain('xoxb-');
    }

    const acmePool = await poolOf(acme.id);
    const globexPool = await poolOf(globex.id);
    expect(acmePool).toBeDefined();
    expect(globexPool).toBeDefined();
    expect(acmePool!.id).not.toBe(globexPool!.id);
  });

  it('each workspace’s requests are answered with that workspace’s own bot token', async () => {
    await slack.user.mention(alice, acmeGeneral, 'hello');
    await slack.user.mention(gina, globexLobby, 'hello');
    await waitUntil(() => repliesIn(acmeGeneral).length === 1 && repliesIn(globexLobby).length === 1);
    expect(repliesIn(acmeGeneral)).toEqual([`bot: heard “hello” in ${acme.id}`]);
    expect(repliesIn(globexLobby)).toEqual([`bot: heard “hello” in ${globex.id}`]);
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.outcome === 'ok');
    expect(posts.map((c) => c.teamId).sort()).toEqual([acme.id, globex.id].sort());
  });

  it('a bad signature or a timestamp older than 5 minutes gets 401 and changes nothing', async () => {
    const bot = slack.world.installationOf(acme.id)!;
    const uninstall = JSON.stringify(
      eventEnvelope(slack.world, acme, { type: 'app_uninstalled' }, bot.botUserId),
    );
    const forged = await slack.user.send(uninstall, 'application/json', { signingSecret: 'guessed-secret' });
    const stale = await slack.user.send(uninstall, 'application/json', { timestampSkewSeconds: -301 });
    const forgedCommand = await slack.user.slashCommand(alice, acmeGeneral, '/atelier', 'gen a fox', {
      signingSecret: 'guessed-secret',
    });
    expect([forged.status, stale.status, forgedCommand.status]).toEqual([401, 401, 401]);

    const row = await installationRow(acme.id);
    expect(row?.uninstalled_at).toBeNull();
    expect(row?.sealed_installation).toBeTruthy();
    expect(slack.transcript(acmeGeneral).filter((l) => l.includes('gen a fox'))).toEqual([]);
  });

  it('url_verification is answered with the challenge on core’s server', async () => {
    const answer = await slack.user.urlVerification('challenge-3eZbrw1aBm2rZgRN');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ challenge: 'challenge-3eZbrw1aBm2rZgRN' });
  });

  it('a redelivered event is handled once; a redelivery whose original was lost is handled', async () => {
    const before = repliesIn(acmeGeneral).length;
    const first = await slack.user.mention(alice, acmeGeneral, 'once');
    await waitUntil(() => repliesIn(acmeGeneral).length === before + 1);
    expect((await slack.user.redeliver(first.delivery, 1)).status).toBe(200);
    expect((await slack.user.redeliver(first.delivery, 2)).status).toBe(200);

    // Only a retry of this one ever arrives (Slack timed out on the original).
    const lost = await slack.user.mention(alice, acmeGeneral, 'second try', { retry: { num: 1 } });
    expect(lost.delivery.status).toBe(200);
    // Events are handled in arrival order here, so the last one answered means the retries were settled.
    const marker = await slack.user.mention(alice, acmeGeneral, 'marker');
    expect(marker.delivery.status).toBe(200);
    await waitUntil(() => repliesIn(acmeGeneral).some((l) => l.includes('marker')));
    expect(repliesIn(acmeGeneral).slice(before)).toEqual([
      `bot: heard “once” in ${acme.id}`,
      `bot: heard “second try” in ${acme.id}`,
      `bot: heard “marker” in ${acme.id}`,
    ]);
  });

  it('only the Slack app’s service token can read installations', async () => {
    const telegram = await core.bot('telegram');
    expect(
      await trpcError(
        telegram.slack.installations.find.query({ teamId: acme.id, isEnterpriseInstall: false }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await trpcError(
        core.anonymous().slack.installations.find.query({ teamId: acme.id, isEnterpriseInstall: false }),
      ),
    ).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('uninstalling removes the tokens and keeps the pool and its ledger; installing again finds them', async () => {
    const pool = (await poolOf(acme.id))!;
    await fund(t.db, pool.id, 120);
    const funded = (await poolOf(acme.id))!.available;
    const entries = async () =>
      (await t.db.selectFrom('credit_entries').select('id').where('account_id', '=', pool.id).execute())
        .length;
    const entriesBefore = await entries();

    const { tokensRevoked, appUninstalled } = await slack.user.uninstall(acme);
    expect([tokensRevoked.status, appUninstalled.status]).toEqual([200, 200]);
    const row = await waitUntil(async () => {
      const r = await installationRow(acme.id);
      return r?.uninstalled_at ? r : undefined;
    });
    expect(row.sealed_installation).toBeNull();
    const serviceToken = await createServiceToken(t.db, { name: 'slack-check', platform: 'slack' });
    const service = connectCore({ coreUrl: core.app.url, serviceToken }).service;
    expect(
      await trpcError(
        service.slack.installations.find.query({ teamId: acme.id, isEnterpriseInstall: false }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect((await poolOf(acme.id))!.available).toBe(funded);
    expect(await entries()).toBe(entriesBefore);
    // Globex is untouched.
    expect((await installationRow(globex.id))?.uninstalled_at).toBeNull();

    expect((await slack.user.installThroughOAuth(installUrl(), alice)).status).toBe(200);
    const again = await installationRow(acme.id);
    expect(again).toMatchObject({ uninstalled_at: null });
    expect((await poolOf(acme.id))!).toEqual({ id: pool.id, available: funded });
    await slack.user.mention(alice, acmeGeneral, 'back again');
    await waitUntil(() => repliesIn(acmeGeneral).some((l) => l.includes('back again')));
  });
});
