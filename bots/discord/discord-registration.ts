import type { ApplicationCommandData, Client, RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';

export type RegistrationOutcome = 'unchanged' | 'registered';

/**
 * Registers the application commands with one bulk overwrite (`PUT /applications/{id}/commands`, or the
 * guild's when `guildId` is set: instant, for development), but only when Discord's current set
 * differs from `commands`: each start costs one GET, and Discord's daily command-create limit is never
 * spent on a restart. Comparison is discord.js's own (`ApplicationCommand#equals`), so every field
 * Discord fills in with a default must be stated in `commands` (integration types, contexts); it
 * reads the snake_case fields of the REST shape too.
 */
export async function registerCommands(
  client: Client<true>,
  commands: readonly RESTPostAPIApplicationCommandsJSONBody[],
  guildId?: string,
): Promise<RegistrationOutcome> {
  const manager = client.application.commands;
  const current = guildId ? await manager.fetch({ guildId }) : await manager.fetch();
  const same =
    current.size === commands.length &&
    commands.every((wanted) =>
      current.some((existing) => existing.equals(wanted as ApplicationCommandData, true)),
    );
  if (same) return 'unchanged';
  if (guildId) await manager.set([...commands], guildId);
  else await manager.set([...commands]);
  return 'registered';
}
