import { startDiscordBot } from '../bots/discord/discord.adapter';
import { SLACK_PATH_PREFIX, type SlackAppOptions, startSlackApp } from '../bots/slack/slack.adapter';
import { startTelegramBot, WEBHOOK_PATH } from '../bots/telegram/telegram.adapter';
import type { CoreApp } from '../core/src/app';
import type { Config } from '../core/src/config';
import { createServiceToken, revokeServiceTokens } from '../core/src/domain/auth/auth.service';
import type { Logger } from '../core/src/logger';
import { discordBotOptions } from './discord-options';

export interface RunningBots {
  stop(): Promise<void>;
}

/**
 * For `npm start`: starts every bot whose token is set, inside core's process, each with a fresh
 * service token of its platform (older ones from earlier starts are revoked), and says which are off.
 */
export async function startEnabledBots(opts: {
  config: Config;
  core: CoreApp;
  logger: Logger;
}): Promise<RunningBots> {
  const { config, core, logger } = opts;
  const { db } = core.deps;
  const stops: (() => Promise<void>)[] = [];

  const token = config.env.TELEGRAM_BOT_TOKEN;
  if (token) {
    const name = 'npm-start:telegram';
    await revokeServiceTokens(db, name);
    // Telegram only pushes updates to https URLs; anything else means long polling.
    const publicUrl = config.publicUrl?.startsWith('https://') ? config.publicUrl : undefined;
    const bot = await startTelegramBot({
      token,
      coreUrl: core.url,
      serviceToken: await createServiceToken(db, { name, platform: 'telegram' }),
      ...(config.env.TELEGRAM_API_ROOT ? { apiRoot: config.env.TELEGRAM_API_ROOT } : {}),
      ...(publicUrl ? { publicUrl } : {}),
      ...(config.env.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.env.TELEGRAM_WEBHOOK_SECRET } : {}),
      logger: logger.child({ bot: 'telegram' }),
    });
    const webhook = bot.webhookHandler;
    if (webhook) {
      core.mount({
        prefix: WEBHOOK_PATH,
        name: 'telegram_webhook',
        handle: async (req, res) => {
          if (req.method !== 'POST') return false;
          await webhook(req, res);
          return true;
        },
      });
    }
    logger.info('Telegram bot started', {
      username: bot.username,
      mode: webhook ? 'webhook' : 'long polling',
    });
    stops.push(() => bot.stop());
  } else {
    logger.info('Telegram bot disabled: set TELEGRAM_BOT_TOKEN to enable it');
  }

  const discordToken = 'npm-start:discord';
  const discord = discordBotOptions(
    config.env,
    { coreUrl: core.url, serviceToken: '' },
    logger.child({ bot: 'discord' }),
  );
  if (discord) {
    await revokeServiceTokens(db, discordToken);
    const serviceToken = await createServiceToken(db, { name: discordToken, platform: 'discord' });
    const bot = await startDiscordBot({ ...discord, serviceToken });
    logger.info('Discord bot started', { username: bot.username, commands: bot.registration });
    stops.push(() => bot.stop());
  } else {
    logger.info('Discord bot disabled: set DISCORD_TOKEN and DISCORD_APPLICATION_ID to enable it');
  }

  const slackAuth = slackAuthOf(config, core.url);
  const signingSecret = config.env.SLACK_SIGNING_SECRET;
  if (slackAuth && signingSecret) {
    const name = 'npm-start:slack';
    await revokeServiceTokens(db, name);
    const slack = await startSlackApp({
      coreUrl: core.url,
      serviceToken: await createServiceToken(db, { name, platform: 'slack' }),
      signingSecret,
      auth: slackAuth,
      ...(config.env.SLACK_API_URL ? { apiUrl: config.env.SLACK_API_URL } : {}),
      ...(config.env.SLACK_APP_TOKEN ? { appToken: config.env.SLACK_APP_TOKEN } : {}),
      logger: logger.child({ bot: 'slack' }),
    });
    // Slash commands, interactivity and events share one Request URL on core's server: /slack/events
    // (in Socket Mode the app serves nothing over HTTP and the mount answers no request).
    core.mount({ prefix: SLACK_PATH_PREFIX, name: 'slack', handle: slack.handle });
    logger.info('Slack app started', {
      mode: slackAuth.kind,
      ...(config.env.SLACK_APP_TOKEN
        ? { transport: 'socket mode' }
        : { requestUrl: `${config.publicUrl ?? core.url}${SLACK_PATH_PREFIX}/events` }),
    });
    stops.push(() => slack.stop());
  } else if (slackAuth) {
    logger.warn(
      'Slack app disabled: SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN or SLACK_CLIENT_ID',
    );
  } else {
    logger.info('Slack app disabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable it');
  }

  return {
    stop: async () => {
      for (const stop of stops) await stop();
    },
  };
}

/**
 * How the Slack app authenticates: through OAuth into many workspaces when the client id, secret and
 * state secret are all set (the install page is then on PUBLIC_URL), else with one bot token.
 */
export function slackAuthOf(config: Config, coreUrl: string): SlackAppOptions['auth'] | null {
  const { SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_BOT_TOKEN } = config.env;
  if (SLACK_CLIENT_ID && SLACK_CLIENT_SECRET && SLACK_STATE_SECRET) {
    return {
      kind: 'oauth',
      clientId: SLACK_CLIENT_ID,
      clientSecret: SLACK_CLIENT_SECRET,
      stateSecret: SLACK_STATE_SECRET,
      publicUrl: config.publicUrl ?? coreUrl,
    };
  }
  return SLACK_BOT_TOKEN ? { kind: 'single-workspace', botToken: SLACK_BOT_TOKEN } : null;
}
