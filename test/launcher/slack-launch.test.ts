import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningBots, startEnabledBots } from '../../launcher/bots';
import { FakeSlack } from '../fakes/slack/slack-fake';
import { useTestCore } from '../support/core';
import { useTestDatabase } from '../support/db';
import { waitUntil } from '../support/wait';

const slack = new FakeSlack();
const acme = slack.world.addWorkspace({ name: 'Acme' });
const alice = slack.world.addMember(acme, { name: 'Alice' });
const general = slack.world.addChannel(acme, { name: 'general', members: [alice] });
const { botToken } = slack.install(acme, alice);

beforeAll(() => slack.start());
afterAll(() => slack.close());

const t = useTestDatabase();
const core = useTestCore(t, () => ({
  SLACK_BOT_TOKEN: botToken,
  SLACK_SIGNING_SECRET: slack.app.signingSecret,
  SLACK_API_URL: slack.apiUrl,
}));
let bots: RunningBots;
beforeAll(async () => {
  bots = await startEnabledBots({
    config: core.app.deps.config,
    core: core.app,
    logger: core.app.deps.logger,
  });
});
afterAll(() => bots.stop());

it('npm start with the Slack tokens serves the Slack app on core’s own server at /slack/events', async () => {
  slack.world.app.requestUrl = `${core.app.url}/slack/events`;
  const ack = await slack.user.slashCommand(alice, general, '/atelier', 'credits');
  expect(ack.status).toBe(200);
  const answer = await waitUntil(() => slack.messages(general).find((m) => m.visibleTo === alice.id));
  expect(answer.text).toMatch(/credit/);
  const forged = await slack.user.slashCommand(alice, general, '/atelier', 'credits', {
    signingSecret: 'wrong',
  });
  expect(forged.status).toBe(401);
});
