import { afterAll, afterEach, beforeAll } from 'vitest';
import { type SlackApp, type SlackAppOptions, startSlackApp } from '../../bots/slack/slack.adapter';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { FakeSlack } from '../fakes/slack/slack-fake';
import type { TestCore } from './core';
import type { TestDatabase } from './db';

export interface TestSlackApp {
  readonly slack: FakeSlack;
  /** Starts the app (again, after `stop`: a restart) with a fresh service token. */
  start(auth?: SlackAppOptions['auth'], extra?: Pick<SlackAppOptions, 'appToken'>): Promise<SlackApp>;
  stop(): Promise<void>;
}

/**
 * The Slack app under test: the fake Slack (its Request URL is core's /slack/events), and the real
 * adapter mounted on core's server the way `npm start` mounts it. A restart swaps the handler.
 */
export function useSlackApp(t: TestDatabase, core: TestCore): TestSlackApp {
  const slack = new FakeSlack();
  let current: SlackApp | null = null;
  beforeAll(async () => {
    await slack.start();
    slack.world.app.requestUrl = `${core.app.url}/slack/events`;
    slack.world.app.redirectUrls.push(`${core.app.url}/slack/oauth_redirect`);
    core.app.mount({
      prefix: '/slack',
      name: 'slack',
      handle: async (req, res) => (current ? current.handle(req, res) : false),
    });
  });
  const stop = async () => {
    const app = current;
    current = null;
    await app?.stop();
  };
  afterEach(stop);
  afterAll(() => slack.close());
  return {
    slack,
    async start(auth, extra = {}) {
      await stop();
      // One name for every start, as `npm start` keeps one: core scopes request keys by the token's name.
      const serviceToken = await createServiceToken(t.db, { name: 'slack-test-app', platform: 'slack' });
      const defaultAuth = (): SlackAppOptions['auth'] => {
        const installed = [...slack.world.installations.values()].find((i) => !i.revoked);
        if (!installed) throw new Error('install the app in a workspace first (slack.install)');
        return { kind: 'single-workspace', botToken: installed.botToken };
      };
      current = await startSlackApp({
        coreUrl: core.app.url,
        serviceToken,
        signingSecret: slack.app.signingSecret,
        apiUrl: slack.apiUrl,
        auth: auth ?? defaultAuth(),
        progressEditIntervalMs: 50,
        ...extra,
      });
      return current;
    },
    stop,
  };
}
