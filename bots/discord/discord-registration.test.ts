import {
  type ApplicationCommandData,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  type Client,
  InteractionContextType,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../test/fakes/discord/discord-fake';
import { connectDiscordJs } from '../../test/fakes/discord/discord-fake-client';
import { registerCommands } from './discord-registration';

const everywhere = {
  integrationTypes: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
};

const COMMANDS: ApplicationCommandData[] = [
  {
    ...everywhere,
    name: 'imagine',
    description: 'Generate an image',
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'prompt',
        description: 'What to draw',
        required: true,
      },
      { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'A starting image' },
      { type: ApplicationCommandOptionType.String, name: 'model', description: 'Model', autocomplete: true },
      {
        type: ApplicationCommandOptionType.String,
        name: 'size',
        description: 'Size',
        choices: [
          { name: 'square', value: '1:1' },
          { name: 'wide', value: '16:9' },
        ],
      },
      {
        type: ApplicationCommandOptionType.Integer,
        name: 'count',
        description: 'How many',
        minValue: 1,
        maxValue: 4,
      },
    ],
  },
  {
    ...everywhere,
    name: 'team',
    description: 'The server pool',
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'Balance and policy' },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'cap',
        description: 'Monthly cap per member',
        options: [
          {
            type: ApplicationCommandOptionType.String,
            name: 'credits',
            description: 'Credits or off',
            required: true,
          },
        ],
      },
    ],
  },
  { ...everywhere, type: ApplicationCommandType.Message, name: 'Use as input' },
];

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
    expect(discord.commands.list(null).map((c) => c.name)).toEqual(['imagine', 'team', 'Use as input']);
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
    expect(discord.commands.list(null).map((c) => c.name)).toEqual(['imagine', 'team']);
    expect(discord.commands.overwrites).toHaveLength(3);
  });

  it('with a guild id the commands go to that guild only', async () => {
    const owner = discord.createUser({ username: 'dev' });
    const guild = discord.createGuild({ name: 'Dev', owner });
    expect(await registerCommands(client, COMMANDS, guild.id)).toBe('registered');
    expect(await registerCommands(client, COMMANDS, guild.id)).toBe('unchanged');
    expect(discord.commands.list(guild.id)).toHaveLength(3);
    expect(discord.commands.list(null)).toEqual([]);
  });
});
