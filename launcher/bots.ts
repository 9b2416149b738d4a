import { startTelegramBot, WEBHOOK_PATH } from '../bots/telegram/telegram.adapter';
import type { CoreApp } from '../core/src/app';
import type { Config } from '../core/src/config';
import { createServiceToken, revokeServiceTokens } from '../core/src/domain/auth/auth.service';
import type { Logger } from '../core/src/logger';

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

  for (const [variable, platform] of [
    ['DISCORD_TOKEN', 'Discord'],
    ['SLACK_BOT_TOKEN', 'Slack'],
  ] as const) {
    if (config.env[variable])
      logger.warn(`${platform} bot is not part of this build yet; ${variable} is ignored`);
  }

  return {
    stop: async () => {
      for (const stop of stops) await stop();
    },
  };
}
