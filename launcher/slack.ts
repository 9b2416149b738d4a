import { createServer } from 'node:http';
import { SLACK_PATH_PREFIX, startSlackApp } from '../bots/slack/slack.adapter';
import { ConfigError, loadConfig } from '../core/src/config';
import { createLogger } from '../core/src/logger';
import { slackAuthOf } from './bots';

/**
 * `npm run slack`: the Slack app as its own process (docker-compose's `slack` service), talking to
 * core over CORE_URL with CORE_SERVICE_TOKEN (`npm run service-token -- --platform slack`). It serves
 * Slack's Request URL (/slack/events, and /slack/install with OAuth) on PORT: route PUBLIC_URL/slack/
 * to it. `npm start` runs the same app inside core's process, on core's server.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { process: 'slack' });
  const {
    CORE_URL: coreUrl,
    CORE_SERVICE_TOKEN: serviceToken,
    SLACK_SIGNING_SECRET: signingSecret,
  } = config.env;
  const auth = slackAuthOf(config, config.publicUrl ?? `http://127.0.0.1:${config.port}`);
  const missing = [
    ...(coreUrl ? [] : ['CORE_URL']),
    ...(serviceToken ? [] : ['CORE_SERVICE_TOKEN']),
    ...(signingSecret ? [] : ['SLACK_SIGNING_SECRET']),
    ...(auth ? [] : ['SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET)']),
  ];
  if (missing.length > 0 || !coreUrl || !serviceToken || !signingSecret || !auth) {
    throw new ConfigError(`The Slack app needs ${missing.join(', ')} (see .env.example)`);
  }
  const slack = await startSlackApp({
    coreUrl,
    serviceToken,
    signingSecret,
    auth,
    ...(config.env.SLACK_API_URL ? { apiUrl: config.env.SLACK_API_URL } : {}),
    ...(config.env.SLACK_APP_TOKEN ? { appToken: config.env.SLACK_APP_TOKEN } : {}),
    logger,
  });
  const server = createServer((req, res) => {
    slack
      .handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      })
      .catch((error: unknown) => {
        logger.error('slack request failed', { error: String(error) });
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  server.listen(config.port, () =>
    logger.info('slack app listening', { port: config.port, requestUrl: `${SLACK_PATH_PREFIX}/events` }),
  );
  const shutdown = async () => {
    server.close();
    await slack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `The Slack app failed to start: ${String(error)}`,
  );
  process.exit(1);
});
