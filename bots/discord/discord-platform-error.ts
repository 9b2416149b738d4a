import { DiscordAPIError } from 'discord.js';
import { ChatPlatformError } from '../kit/kit.types';

/**
 * Discord's refusals that no retry can fix: the channel, message, webhook or interaction is gone or
 * expired, the bot lacks access or permissions, the user does not take DMs, the payload is invalid.
 * Rate limits never get here: discord.js's REST queue waits them out.
 */
const PERMANENT_CODES = new Set([
  10003, // Unknown Channel
  10004, // Unknown Guild
  10008, // Unknown Message
  10013, // Unknown User
  10015, // Unknown Webhook
  10062, // Unknown interaction
  40005, // Request entity too large
  40060, // Interaction has already been acknowledged
  50001, // Missing Access
  50005, // Cannot edit a message authored by another user
  50006, // Cannot send an empty message
  50007, // Cannot send messages to this user
  50013, // Missing Permissions
  50027, // Invalid Webhook Token
  50035, // Invalid Form Body
]);

/** Discord's error as the kit's: permanent for the codes above and any other 4xx, transient otherwise. */
export function platformError(error: unknown, what: string): unknown {
  if (!(error instanceof DiscordAPIError)) return error;
  const permanent = PERMANENT_CODES.has(Number(error.code)) || (error.status >= 400 && error.status < 500);
  return new ChatPlatformError(`${what}: ${error.message} (${error.code})`, permanent);
}

/** Runs a Discord call, turning its refusal into a ChatPlatformError. */
export async function discordCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw platformError(error, what);
  }
}
