import { startDiscordBot } from '../bots/discord/discord.adapter';
import { ConfigError, loadConfig } from '../core/src/config';
import { createLogger } from '../core/src/logger';
import { discordBotOptions } from './discord-options';

/**
 * `npm run discord`: the Discord bot as its own process (docker-compose's `discord` service), talking
 * to a running core at CORE_URL with CORE_SERVICE_TOKEN (`npm run service-token -- --platform discord`).
 * For a large bot, discord.js shards it: see the README.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { process: 'discord' });
  const { CORE_URL: coreUrl, CORE_SERVICE_TOKEN: serviceToken } = config.env;
  if (!coreUrl || !serviceToken)
    throw new ConfigError('CORE_URL and CORE_SERVICE_TOKEN are required (see .env.example)');
  const options = discordBotOptions(config.env, { coreUrl, serviceToken }, logger);
  if (!options) throw new ConfigError('DISCORD_TOKEN is required (see .env.example)');
  const bot = await startDiscordBot(options);
  logger.info('discord bot started', { username: bot.username, commands: bot.registration });
  const shutdown = async () => {
    await bot.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
