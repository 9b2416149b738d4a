import type { Client } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../test/fakes/discord/discord-fake';
import { connectDiscordJs } from '../../test/fakes/discord/discord-fake-client';
import { applicationCommands, USE_AS_INPUT } from './discord-commands';
import { registerCommands } from './discord-registration';

const COMMANDS = applicationCommands();

let discord: FakeDiscord;
let client: Client<true>;

beforeEach(async () => {
  discord = new FakeDiscord();
  await discord.start();
  client = await connectDiscordJs(discord);
});

afterEach(async () => {
  await client.destroy();
  await discord.close();
});

describe('command registration', () => {
  it('registers on the first start and not again while the definitions stay the same', async () => {
    expect(await registerCommands(client, COMMANDS)).toBe('registered');
    const names = discord.commands.list(null).map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['generate', 'imagine', 'team', 'lora', 'buy', USE_AS_INPUT]),
    );
    expect(names).toHaveLength(COMMANDS.length);
    expect(await registerCommands(client, COMMANDS)).toBe('unchanged');

    // A restarted process has no cache: it still finds nothing to change.
    const restarted = await connectDiscordJs(discord);
    try {
      expect(await registerCommands(restarted, COMMANDS)).toBe('unchanged');
    } finally {
      await restarted.destroy();
    }
    expect(discord.commands.overwrites).toHaveLength(1);
    expect(discord.rest.callsTo('PUT', '/applications/:applicationId/commands')).toHaveLength(1);
  });

  it('a changed, added or removed command triggers one overwrite', async () => {
    await registerCommands(client, COMMANDS);
    const reworded = COMMANDS.map((c) => (c.name === 'team' ? { ...c, description: 'Your server pool' } : c));
    expect(await registerCommands(client, reworded)).toBe('registered');
    expect(await registerCommands(client, reworded.slice(0, 2))).toBe('registered');
    expect(discord.commands.list(null).map((c) => c.name)).toEqual(reworded.slice(0, 2).map((c) => c.name));
    expect(discord.commands.overwrites).toHaveLength(3);
  });

  it('with a guild id the commands go to that guild only', async () => {
    const owner = discord.createUser({ username: 'dev' });
    const guild = discord.createGuild({ name: 'Dev', owner });
    expect(await registerCommands(client, COMMANDS, guild.id)).toBe('registered');
    expect(await registerCommands(client, COMMANDS, guild.id)).toBe('unchanged');
    expect(discord.commands.list(guild.id)).toHaveLength(COMMANDS.length);
    expect(discord.commands.list(null)).toEqual([]);
  });
});
