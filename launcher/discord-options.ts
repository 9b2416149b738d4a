import type { DiscordBotOptions } from '../bots/discord/discord.adapter';
import { ConfigError, type Env } from '../core/src/config';
import type { Logger } from '../core/src/logger';

/**
 * The Discord bot's options from the environment: DISCORD_TOKEN and DISCORD_APPLICATION_ID (both
 * needed), optional DISCORD_API_URL / DISCORD_CDN_URL (another server, e.g. a test fake) and
 * DISCORD_GUILD_ID (register the commands in one server only). Null when DISCORD_TOKEN is unset.
 */
export function discordBotOptions(
  env: Env,
  core: { coreUrl: string; serviceToken: string },
  logger: Logger,
): DiscordBotOptions | null {
  if (!env.DISCORD_TOKEN) return null;
  if (!env.DISCORD_APPLICATION_ID) {
    throw new ConfigError(
      'DISCORD_APPLICATION_ID is required when DISCORD_TOKEN is set (the Application ID on the General Information page of the developer portal)',
    );
  }
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    ...core,
    ...(env.DISCORD_API_URL ? { apiUrl: env.DISCORD_API_URL } : {}),
    ...(env.DISCORD_CDN_URL ? { cdnUrl: env.DISCORD_CDN_URL } : {}),
    ...(env.DISCORD_GUILD_ID ? { guildId: env.DISCORD_GUILD_ID } : {}),
    logger,
  };
}
