import { App, LogLevel, MemoryInstallationStore, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports';
import { waitUntil } from '../../support/wait';
import { type Channel, FakeSlack, type Installation, type Member, type Workspace } from './slack-fake';

const { ErrorCode, WebClient } = webApi;

let slack: FakeSlack;
let acme: Workspace;
let alice: Member;
let bob: Member;
let general: Channel;
let install: Installation;
const stoppers: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  slack = new FakeSlack();
  await slack.start();
  acme = slack.world.addWorkspace({ name: 'Acme' });
  alice = slack.world.addMember(acme, { name: 'Alice', admin: true });
  bob = slack.world.addMember(acme, { name: 'Bob' });
  general = slack.world.addChannel(acme, { name: 'general', members: [alice, bob] });
  install = slack.install(acme, alice);
});

afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop();
  await slack.close();
});

const client = (token = install.botToken, options: ConstructorParameters<typeof webApi.WebClient>[1] = {}) =>
  new WebClient(token, { slackApiUrl: slack.apiUrl, logLevel: LogLevel.ERROR, ...options });

async function slackError(promise: Promise<unknown>): Promise<{ code: string; error: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { code: string; data?: { error: string } },
  );
  expect(error, 'the call should have failed').toBeDefined();
  return { code: error!.code, error: error!.data?.error ?? '' };
}

/** A real Bolt app in HTTP mode on its own port, registered as the fake app's Request URL. */
async function startBolt(
  setup: (app: App) => void,
  options: Partial<ConstructorParameters<typeof App>[0]> = {},
  port?: number,
) {
  port ??= await freePort();
  const app = new App({
    signingSecret: slack.app.signingSecret,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logLevel: LogLevel.ERROR,
    ...(options.clientId ? {} : { token: install.botToken, tokenVerificationEnabled: false }),
    ...options,
  });
  setup(app);
  await app.start(port);
  stoppers.push(() => app.stop());
  slack.world.app.requestUrl = `http://127.0.0.1:${port}/slack/events`;
  return { app, port };
}

describe('Web API through the real @slack/web-api client', () => {
  it('auth.test names the bot and the workspace; a wrong or revoked token gets Slack’s error', async () => {
    const me = await client().auth.test();
    expect(me).toMatchObject({
      ok: true,
      team_id: acme.id,
      user_id: install.botUserId,
      bot_id: install.botId,
    });

    expect(await slackError(client('xoxb-not-a-token').auth.test())).toEqual({
      code: ErrorCode.PlatformError,
      error: 'invalid_auth',
    });
    slack.world.uninstall(acme.id);
    expect((await slackError(client().auth.test())).error).toBe('token_revoked');
  });

  it('posts, updates and posts ephemerally; the transcript shows what members see', async () => {
    const web = client();
    const posted = await web.chat.postMessage({
      channel: general.id,
      text: 'Working on it',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Working on it' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'cancel',
              text: { type: 'plain_text', text: 'Cancel' },
              value: 'c1',
            },
          ],
        },
      ],
    });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    await web.chat.update({ channel: general.id, ts: posted.ts!, text: 'Done', blocks: [] });
    await web.chat.postEphemeral({ channel: general.id, user: bob.id, text: 'Only for you' });

    expect(slack.transcript(general)).toEqual(['bot (edited 1x): Done', 'bot (only @bob): Only for you']);
    expect(slack.messages(general)[0]!.history[0]!.text).toBe('Working on it');
  });

  it('refuses what Slack refuses: no text, too many buttons, a channel the bot is not in, a stranger', async () => {
    const web = client();
    expect((await slackError(web.chat.postMessage({ channel: general.id, text: '' }))).error).toBe('no_text');
    const buttons = Array.from({ length: 26 }, (_, i) => ({
      type: 'button' as const,
      action_id: `b${i}`,
      text: { type: 'plain_text' as const, text: `B${i}` },
    }));
    expect(
      (
        await slackError(
          web.chat.postMessage({
            channel: general.id,
            text: 'x',
            blocks: [{ type: 'actions', elements: buttons }],
          }),
        )
      ).error,
    ).toBe('invalid_blocks');
    const quiet = slack.world.addChannel(acme, { name: 'quiet', members: [alice], app: false });
    expect((await slackError(web.chat.postMessage({ channel: quiet.id, text: 'hi' }))).error).toBe(
      'not_in_channel',
    );
    const carol = slack.world.addMember(acme, { name: 'Carol' });
    expect(
      (await slackError(web.chat.postEphemeral({ channel: general.id, user: carol.id, text: 'x' }))).error,
    ).toBe('user_not_in_channel');
    expect(slack.transcript(general)).toEqual([]);
  });

  it('users.info reports admins and owners; conversations.open gives one direct channel per member', async () => {
    const owner = slack.world.addMember(acme, { name: 'Olga', owner: true });
    const web = client();
    expect((await web.users.info({ user: alice.id })).user).toMatchObject({
      is_admin: true,
      is_owner: false,
    });
    expect((await web.users.info({ user: bob.id })).user).toMatchObject({ is_admin: false, is_owner: false });
    expect((await web.users.info({ user: owner.id })).user).toMatchObject({ is_admin: true, is_owner: true });
    expect((await slackError(web.users.info({ user: 'UNOBODY' }))).error).toBe('user_not_found');

    const first = await web.conversations.open({ users: bob.id });
    const again = await web.conversations.open({ users: bob.id });
    expect(first.channel?.id).toMatch(/^D/);
    expect(again.channel?.id).toBe(first.channel?.id);
  });

  it('filesUploadV2 uploads bytes and shares them with blocks; url_private needs the bot token', async () => {
    const bytes = Buffer.from('\x89PNG\r\n\x1a\n pretend image');
    const result = await client().filesUploadV2({
      channel_id: general.id,
      filename: 'fox.png',
      file: bytes,
      initial_comment: 'a red fox',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'a red fox' } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'reroll',
              text: { type: 'plain_text', text: 'Reroll' },
              value: 'g1',
            },
          ],
        },
      ],
    });
    expect(result.ok).toBe(true);
    expect(slack.transcript(general)).toEqual(['bot: a red fox [Reroll] {fox.png}']);
    const url =
      slack.messages(general)[0]!.files[0] &&
      slack.world.fileObject(slack.messages(general)[0]!.files[0]!).url_private;
    expect(typeof url).toBe('string');

    const anonymous = await fetch(url as string, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toContain('/signin');
    const followed = await fetch(url as string);
    expect(followed.headers.get('content-type')).toContain('text/html');

    const withToken = await fetch(url as string, {
      headers: { authorization: `Bearer ${install.botToken}` },
    });
    expect(withToken.status).toBe(200);
    expect(Buffer.from(await withToken.arrayBuffer())).toEqual(bytes);

    const other = slack.world.addWorkspace({ name: 'Other' });
    const otherInstall = slack.install(other, slack.world.addMember(other, { name: 'Zed' }));
    const foreign = await fetch(url as string, {
      headers: { authorization: `Bearer ${otherInstall.botToken}` },
      redirect: 'manual',
    });
    expect(foreign.status).toBe(302);
  });

  it('answers 429 with Retry-After: the client reports it, or waits and retries', async () => {
    slack.rateLimit('chat.postMessage', 1);
    const strict = client(install.botToken, { rejectRateLimitedCalls: true });
    const limited = await strict.chat
      .postMessage({ channel: general.id, text: 'hi' })
      .catch((e: unknown) => e);
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });

    slack.rateLimit('chat.postMessage', 1);
    const started = Date.now();
    await client().chat.postMessage({ channel: general.id, text: 'eventually' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.transcript(general)).toEqual(['bot: eventually']);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.outcome)).toEqual([
      'ratelimited',
      'ratelimited',
      'ok',
    ]);
  });

  it('a missing scope is `missing_scope` with what was needed', async () => {
    const narrow = new FakeSlack({ scopes: ['chat:write'] });
    await narrow.start();
    stoppers.push(() => narrow.close());
    const team = narrow.world.addWorkspace({ name: 'Narrow' });
    const grant = narrow.install(team, narrow.world.addMember(team, { name: 'N' }));
    const web = new WebClient(grant.botToken, { slackApiUrl: narrow.apiUrl, logLevel: LogLevel.ERROR });
    const failure = await web.users.info({ user: 'U1' }).catch((e: { data: unknown }) => e.data);
    expect(failure).toMatchObject({ ok: false, error: 'missing_scope', needed: 'users:read' });
  });
});

describe('requests to the app, signed like Slack’s, through real Bolt', () => {
  it('a slash command is acknowledged by the HTTP response, and respond() goes through the response URL', async () => {
    await startBolt((app) => {
      app.command('/atelier', async ({ command, ack, respond }) => {
        await ack(`Working on “${command.text}”…`);
        await respond({ response_type: 'in_channel', text: `Here is ${command.text}` });
      });
    });
    const delivery = await slack.user.slashCommand(alice, general, '/atelier', 'a fox');
    expect(delivery.status).toBe(200);
    await waitUntil(() => slack.transcript(general).length === 2);
    expect(slack.transcript(general)).toEqual([
      'bot (only @alice): Working on “a fox”…',
      'bot: Here is a fox',
    ]);
  });

  it('a response URL works five times within 30 minutes', async () => {
    const url = slack.world.issueResponseUrl({ teamId: acme.id, channel: general.id, userId: alice.id });
    const send = (text: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    for (let i = 1; i <= 5; i++) expect((await send(`reply ${i}`)).status).toBe(200);
    const sixth = await send('reply 6');
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });

    const late = slack.world.issueResponseUrl({ teamId: acme.id, channel: general.id, userId: alice.id });
    slack.world.advanceClock(31 * 60_000);
    const expired = await fetch(late, { method: 'POST', body: JSON.stringify({ text: 'late' }) });
    expect(await expired.json()).toEqual({ ok: false, error: 'expired_url' });
    expect(slack.transcript(general)).toHaveLength(5);
  });

  it('a button press reaches the action handler; replace_original updates the message it sat on', async () => {
    await startBolt((app) => {
      app.action('reroll', async ({ ack, action, body, respond }) => {
        await ack();
        const value = 'value' in action ? action.value : '';
        await respond({ replace_original: true, text: `rerolled ${value} for ${body.user.id}` });
      });
    });
    const posted = await client().chat.postMessage({
      channel: general.id,
      text: 'result',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'reroll',
              text: { type: 'plain_text', text: 'Reroll' },
              value: 'g42',
            },
          ],
        },
      ],
    });
    const message = slack.world.message(general.id, posted.ts!)!;
    expect((await slack.user.pressButton(bob, message, 'reroll')).status).toBe(200);
    await waitUntil(() => message.history.length === 1);
    expect(slack.transcript(general)).toEqual([`bot (edited 1x): rerolled g42 for ${bob.id}`]);
  });

  it('a message shortcut opens a modal with its trigger id; submitting it reaches the view handler', async () => {
    const submitted: string[] = [];
    await startBolt((app) => {
      app.shortcut('use_as_input', async ({ ack, shortcut, client: web }) => {
        await ack();
        await web.views.open({
          trigger_id: shortcut.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'prompt',
            private_metadata: 'message' in shortcut ? shortcut.message.ts : '',
            title: { type: 'plain_text', text: 'Use as input' },
            submit: { type: 'plain_text', text: 'Generate' },
            blocks: [
              {
                type: 'input',
                block_id: 'p',
                label: { type: 'plain_text', text: 'Prompt' },
                element: { type: 'plain_text_input', action_id: 'v' },
              },
            ],
          },
        });
      });
      app.view('prompt', async ({ ack, view }) => {
        const prompt = view.state.values.p?.v?.value ?? '';
        if (prompt.length < 3) {
          await ack({ response_action: 'errors', errors: { p: 'Say a bit more' } });
          return;
        }
        submitted.push(`${view.private_metadata}:${prompt}`);
        await ack();
      });
    });
    const source = slack.postAsMember(alice, general, 'look', [
      slack.uploadAsMember(alice, { name: 'cat.png', bytes: Buffer.from('png') }),
    ]);
    expect((await slack.user.messageShortcut(alice, source, 'use_as_input')).status).toBe(200);
    const modal = await waitUntil(() => slack.openModals(alice)[0]);
    expect(modal.callbackId).toBe('prompt');

    const refused = await slack.user.submitView(alice, modal, { p: { v: 'no' } });
    expect(refused.errors).toEqual({ p: 'Say a bit more' });
    expect(slack.openModals(alice)).toHaveLength(1);
    await slack.user.submitView(alice, modal, { p: { v: 'as a watercolor' } });
    expect(submitted).toEqual([`${source.ts}:as a watercolor`]);
    expect(slack.openModals(alice)).toHaveLength(0);
  });

  it('a trigger id expires after 3 seconds and works once', async () => {
    const trigger = slack.world.issueTrigger(alice);
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Hi' }, blocks: [] };
    await client().views.open({ trigger_id: trigger, view });
    expect((await slackError(client().views.open({ trigger_id: trigger, view }))).error).toBe(
      'expired_trigger_id',
    );
    const late = slack.world.issueTrigger(alice);
    slack.world.advanceClock(3_500);
    expect((await slackError(client().views.open({ trigger_id: late, view }))).error).toBe(
      'expired_trigger_id',
    );
  });

  it('app_mention carries the shared file, which the app downloads with its token; App Home publishes', async () => {
    const downloads: string[] = [];
    await startBolt((app) => {
      app.event('app_mention', async ({ event, say, context }) => {
        const file = event.files?.[0];
        if (file?.url_private) {
          const res = await fetch(file.url_private, {
            headers: { authorization: `Bearer ${context.botToken}` },
          });
          downloads.push(Buffer.from(await res.arrayBuffer()).toString());
        }
        await say({ text: `got ${event.text.replace(/<@\w+>\s*/, '')}`, thread_ts: event.ts });
      });
      app.event('app_home_opened', async ({ event, client: web }) => {
        await web.views.publish({
          user_id: event.user,
          view: {
            type: 'home',
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your spend: 0' } }],
          },
        });
      });
    });
    const photo = slack.uploadAsMember(bob, { name: 'me.jpg', bytes: Buffer.from('jpeg bytes') });
    const { message, delivery } = await slack.user.mention(bob, general, 'gen a fox', { files: [photo] });
    expect(delivery.status).toBe(200);
    await waitUntil(() => slack.transcript(general, { thread: message.ts }).length === 2);
    expect(slack.transcript(general, { thread: message.ts })).toEqual([
      `@bob: <@${install.botUserId}> gen a fox {me.jpg}`,
      'bot: got gen a fox',
    ]);
    expect(downloads).toEqual(['jpeg bytes']);

    await slack.user.openAppHome(bob);
    const home = await waitUntil(() => slack.home(bob));
    expect(JSON.stringify(home.body)).toContain('Your spend: 0');
  });

  it('Bolt refuses a bad signature and a stale timestamp with 401; it answers url_verification', async () => {
    const seen: number[] = [];
    await startBolt((app) => {
      app.event('app_mention', async ({ context }) => {
        seen.push(context.retryNum ?? 0);
      });
    });
    const forged = await slack.user.mention(bob, general, 'hi', { signingSecret: 'not-the-secret' });
    expect(forged.delivery.status).toBe(401);
    const stale = await slack.user.mention(bob, general, 'hi', { timestampSkewSeconds: -6 * 60 });
    expect(stale.delivery.status).toBe(401);

    const challenge = await slack.user.urlVerification(
      '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    );
    expect(JSON.parse(challenge.body)).toEqual({
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });

    const first = await slack.user.mention(bob, general, 'hello');
    await slack.user.redeliver(first.delivery, 1);
    await waitUntil(() => seen.length === 2);
    expect(seen).toEqual([0, 1]);
  });

  it('OAuth: two workspaces install through the consent screen; each event uses its own workspace’s token', async () => {
    const store = new MemoryInstallationStore();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    slack.world.app.redirectUrls.push(`${base}/slack/oauth_redirect`);
    await startBolt(
      (app) => {
        app.event('app_mention', async ({ event, say }) => {
          await say(`hello ${event.team}`);
        });
      },
      {
        clientId: slack.app.clientId,
        clientSecret: slack.app.clientSecret,
        stateSecret: 'state-secret',
        scopes: slack.app.scopes,
        redirectUri: `${base}/slack/oauth_redirect`,
        installationStore: store,
        installerOptions: {
          clientOptions: { slackApiUrl: slack.apiUrl },
          redirectUriPath: '/slack/oauth_redirect',
        },
      },
      port,
    );
    const globex = slack.world.addWorkspace({ name: 'Globex' });
    const gina = slack.world.addMember(globex, { name: 'Gina', owner: true });
    const lobby = slack.world.addChannel(globex, { name: 'lobby', members: [gina] });
    slack.world.uninstall(acme.id); // Acme installs afresh through OAuth below

    for (const [member] of [[alice], [gina]] as const) {
      const back = await slack.user.installThroughOAuth(`${base}/slack/install`, member);
      expect(back.status).toBe(200);
    }
    const acmeGrant = slack.world.installationOf(acme.id)!;
    const globexGrant = slack.world.installationOf(globex.id)!;
    expect(globexGrant.botToken).not.toBe(acmeGrant.botToken);
    expect(
      (
        await store.fetchInstallation({
          teamId: acme.id,
          enterpriseId: undefined,
          isEnterpriseInstall: false,
        })
      ).bot?.token,
    ).toBe(acmeGrant.botToken);

    await slack.user.mention(alice, general, 'hi');
    await slack.user.mention(gina, lobby, 'hi');
    await waitUntil(() => slack.transcript(general).length === 2 && slack.transcript(lobby).length === 2);
    expect(slack.transcript(general)[1]).toBe(`bot: hello ${acme.id}`);
    expect(slack.transcript(lobby)[1]).toBe(`bot: hello ${globex.id}`);
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => c.teamId).sort()).toEqual([acme.id, globex.id].sort());
  });
});
