import { ApplicationCommandType, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import { discordCommands } from '../kit/command-menus';
import { DISCORD_TRAITS } from '../kit/platform-traits';

/** The message context-menu command: right-click a message with an image, Apps, Use as input. */
export const USE_AS_INPUT = 'Use as input';

/** Installed to servers; usable in servers and in the bot's DMs. */
const GUILD_INSTALL = [0];
const GUILD_AND_BOT_DM = [0, 1];

/**
 * The application commands, from the kit's one command list: every kit command as a slash command,
 * `/imagine` beside `/generate` (Midjourney's name, which Discord users type first), and the
 * message command. Integration types and contexts are stated because Discord fills them in, and
 * registration compares what it returns with this.
 */
export function applicationCommands(): RESTPostAPIApplicationCommandsJSONBody[] {
  const slash = discordCommands(DISCORD_TRAITS);
  const generate = slash.find((c) => c.name === 'generate');
  const imagine = generate ? [{ ...generate, name: 'imagine' }] : [];
  return [
    ...[...slash, ...imagine].map((c) => ({
      ...c,
      integration_types: GUILD_INSTALL,
      contexts: GUILD_AND_BOT_DM,
    })),
    {
      type: ApplicationCommandType.Message,
      name: USE_AS_INPUT,
      integration_types: GUILD_INSTALL,
      contexts: GUILD_AND_BOT_DM,
    },
  ];
}
