// The fake Discord driven by real discord.js 14: what the bot sends is checked the way Discord checks
// it, and what a user sees is read back from the fake.
import {
  type ApplicationCommandData,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  AttachmentBuilder,
  type Client,
  DiscordAPIError,
  type Interaction,
  MessageFlags,
  Routes,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CallbackType,
  discordError,
  type FakeChannel,
  FakeDiscord,
  type FakeGuild,
  type FakeUser,
} from './discord-fake';
import { connectDiscordJs, rejectionOf } from './discord-fake-client';

const png = (width = 64, height = 48): Buffer => {
  const header = Buffer.alloc(24);
  header.writeUInt32BE(0x89504e47, 0);
  header.writeUInt32BE(0x0d0a1a0a, 4);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return Buffer.concat([header, Buffer.from('pixels'.repeat(10))]);
};

const COMMANDS: ApplicationCommandData[] = [
  {
    name: 'imagine',
    description: 'Generate an image from a prompt',
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'prompt',
        description: 'What to draw',
        required: true,
      },
      { type: ApplicationCommandOptionType.Attachment, name: 'image', description: 'A starting image' },
      {
        type: ApplicationCommandOptionType.Integer,
        name: 'count',
        description: 'How many',
        minValue: 1,
        maxValue: 4,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'model',
        description: 'Which model',
        autocomplete: true,
      },
    ],
  },
  {
    name: 'team',
    description: 'Your server pool',
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'cap',
        description: 'Monthly cap per member',
        options: [
          {
            type: ApplicationCommandOptionType.Integer,
            name: 'credits',
            description: 'Credits',
            required: true,
          },
        ],
      },
    ],
  },
  { type: ApplicationCommandType.Message, name: 'Use as input' },
];

let discord: FakeDiscord;
let client: Client<true>;
let alice: FakeUser;
let bob: FakeUser;
let guild: FakeGuild;
let general: FakeChannel;

beforeEach(async () => {
  discord = new FakeDiscord();
  await discord.start();
  alice = discord.createUser({ username: 'alice' });
  bob = discord.createUser({ username: 'bob' });
  guild = discord.createGuild({ name: 'Studio', owner: alice });
  discord.addMember(guild, bob);
  general = discord.createTextChannel(guild, { name: 'general' });
  client = await connectDiscordJs(discord);
  await client.application.commands.set(COMMANDS);
});

afterEach(async () => {
  await client.destroy();
  await discord.close();
});

/** Runs `handle` on the next interaction the bot receives and resolves with its outcome. */
function nextInteraction<T>(handle: (interaction: Interaction) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    client.once('interactionCreate', (interaction) => {
      handle(interaction).then(resolve, reject);
    });
  });
}

describe('application commands', () => {
  it('a bulk overwrite registers the set; sending the same set again keeps ids and versions', async () => {
    const first = discord.commands.list(null);
    expect(first.map((c) => c.name)).toEqual(['imagine', 'team', 'Use as input']);
    await client.application.commands.set(COMMANDS);
    const again = discord.commands.list(null);
    expect(again.map((c) => [c.id, c.version])).toEqual(first.map((c) => [c.id, c.version]));

    const changed = COMMANDS.map((c) => (c.name === 'team' ? { ...c, description: 'The server pool' } : c));
    await client.application.commands.set(changed);
    const after = discord.commands.list(null);
    expect(after.find((c) => c.name === 'team')?.id).toBe(first.find((c) => c.name === 'team')?.id);
    expect(after.find((c) => c.name === 'team')?.version).not.toBe(
      first.find((c) => c.name === 'team')?.version,
    );
    expect(after.find((c) => c.name === 'imagine')?.version).toBe(
      first.find((c) => c.name === 'imagine')?.version,
    );
    expect(discord.commands.overwrites).toHaveLength(3);
  });

  it('guild commands are registered for that guild only, and users there can run them', async () => {
    await client.application.commands.set([]);
    await client.application.commands.set([{ name: 'ping', description: 'Ping' }], guild.id);
    expect(discord.commands.list(guild.id).map((c) => c.name)).toEqual(['ping']);
    expect(discord.commands.list(null)).toEqual([]);
    const handled = nextInteraction(async (i) => (i.isChatInputCommand() ? i.commandGuildId : 'wrong type'));
    discord.as(bob).slash(general, 'ping');
    expect(await handled).toBe(guild.id);
  });

  it('an invalid definition is refused with 50035 Invalid Form Body naming each field', async () => {
    const error = await rejectionOf(
      client.application.commands.set([
        { name: 'Imagine', description: 'x'.repeat(101) },
        {
          name: 'gen',
          description: 'ok',
          options: [
            { type: ApplicationCommandOptionType.String, name: 'style', description: 'optional first' },
            {
              type: ApplicationCommandOptionType.String,
              name: 'prompt',
              description: 'then required',
              required: true,
            },
          ],
        },
      ]),
    );
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error.code).toBe(50035);
    expect(error.message).toContain('0.name[APPLICATION_COMMAND_INVALID_NAME]');
    expect(error.message).toContain('0.description[BASE_TYPE_MAX_LENGTH]');
    expect(error.message).toContain('1.options[1].required[APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID]');
    expect(discord.commands.list(null).map((c) => c.name)).toEqual(['imagine', 'team', 'Use as input']);
  });
});

describe('slash commands', () => {
  it('deferred, then edited with an image and buttons: every member sees the result', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.deferReply();
      const input = i.options.getAttachment('image', true);
      const bytes = Buffer.from(await (await fetch(input.url)).arrayBuffer());
      await i.editReply({
        content: `${i.options.getString('prompt', true)} x${i.options.getInteger('count')}`,
        files: [new AttachmentBuilder(bytes, { name: 'result.png' })],
        components: [
          { type: 1, components: [{ type: 2, style: 1, custom_id: 'gen:reroll:1', label: 'Reroll' }] },
        ],
      });
      return { name: input.name, width: input.width, size: input.size };
    });
    const run = discord.as(alice).slash(general, 'imagine', {
      prompt: 'a fox',
      count: 2,
      image: { filename: 'fox.png', bytes: png(), contentType: 'image/png' },
    });
    expect((await run.acknowledged()).type).toBe(CallbackType.DeferredChannelMessage);
    expect(await handled).toEqual({ name: 'fox.png', width: 64, size: png().length });

    const [entry] = discord.transcript(general, bob);
    expect(entry).toMatchObject({
      fromBot: true,
      content: 'a fox x2',
      ephemeral: false,
      loading: false,
      edits: 1,
    });
    expect(entry?.files.map((f) => [f.filename, f.bytes.equals(png()), f.width])).toEqual([
      ['result.png', true, 64],
    ]);
    expect(entry?.controls).toEqual([
      [{ kind: 'button', label: 'Reroll', customId: 'gen:reroll:1', style: 1, disabled: false }],
    ]);
    expect(run.response()?.interaction?.userId).toBe(alice.id);
  });

  it('an ephemeral deferral stays ephemeral: the first follow-up fills it, and only its user sees it', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.followUp({ content: 'Your balance: 40 credits' });
      const second = await i.followUp({ content: 'Second note', flags: MessageFlags.Ephemeral });
      await i.webhook.editMessage(second.id, { content: 'Second note, edited' });
    });
    const run = discord.as(alice).slash(general, 'team cap', { credits: 50 });
    await handled;
    expect(discord.transcript(general, bob)).toEqual([]);
    const seen = discord.transcript(general, alice);
    expect(seen.map((e) => [e.content, e.ephemeral, e.loading])).toEqual([
      ['Your balance: 40 credits', true, false],
      ['Second note, edited', true, false],
    ]);
    expect(run.followUps()).toHaveLength(1);
  });

  it('subcommands and typed options arrive as discord.js reads them', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
      return [
        i.options.getSubcommand(),
        i.options.getInteger('credits'),
        i.memberPermissions?.has('ManageGuild'),
      ];
    });
    discord.as(alice).slash(general, 'team cap', { credits: 50 });
    expect(await handled).toEqual(['cap', 50, true]);
    expect(() => discord.as(bob).slash(general, 'team cap', { credits: 'fifty' })).toThrow(
      /takes an integer/,
    );
    expect(() => discord.as(bob).slash(general, 'imagine', {})).toThrow(/requires option "prompt"/);
  });

  it('with_response returns the created message', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      const response = await i.deferReply({ withResponse: true });
      return response.resource?.message?.id;
    });
    const run = discord.as(alice).slash(general, 'imagine', { prompt: 'x' });
    expect(await handled).toBe(run.response()?.id);
  });

  it('an answer after 3 s is refused with 10062 Unknown interaction, a second answer with 40060', async () => {
    let release!: () => void;
    const late = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await late;
      return rejectionOf(i.deferReply());
    });
    discord.as(alice).slash(general, 'imagine', { prompt: 'slow' });
    await discord.waitFor(() => discord.interactions.all.length === 1);
    discord.clock.advance(3_001);
    release();
    expect((await handled).code).toBe(10062);

    const twice = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.deferReply();
      return rejectionOf(
        client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 5 }, auth: false }),
      );
    });
    discord.as(alice).slash(general, 'imagine', { prompt: 'twice' });
    expect((await twice).code).toBe(40060);
  });

  it('the interaction token dies after 15 minutes; the channel still takes messages', async () => {
    let release!: () => void;
    const later = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand() || !i.channel?.isSendable())
        throw new Error('expected a slash command in a text channel');
      await i.deferReply();
      await i.editReply('Queued (position 3)');
      await later;
      const edit = await rejectionOf(i.editReply('Done'));
      await i.channel.send({ content: `<@${i.user.id}> your image is ready` });
      return edit;
    });
    const run = discord.as(alice).slash(general, 'imagine', { prompt: 'slow' });
    await run.responseWhere((m) => m.content.startsWith('Queued'));
    discord.clock.advance(15 * 60_000 + 1);
    release();
    expect((await handled).code).toBe(50027);
    const shown = discord.transcript(general, bob);
    expect(shown.map((e) => e.content)).toEqual([
      'Queued (position 3)',
      `<@${alice.id}> your image is ready`,
    ]);
    expect(shown[1]?.mentions).toEqual([alice.id]);
  });

  it('autocomplete answers with at most 25 choices; more are refused', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected autocomplete');
      const focused = i.options.getFocused(true);
      await i.respond([{ name: `Flux (${focused.value})`, value: 'fal-ai/flux-1/schnell' }]);
      return focused.name;
    });
    const choices = await discord
      .as(alice)
      .autocomplete(general, 'imagine', 'model', 'fl', { prompt: 'a fox' });
    expect(await handled).toBe('model');
    expect(choices).toEqual([{ name: 'Flux (fl)', value: 'fal-ai/flux-1/schnell' }]);

    const tooMany = nextInteraction(async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected autocomplete');
      const all = Array.from({ length: 26 }, (_, n) => ({ name: `m${n}`, value: `m${n}` }));
      return rejectionOf(i.respond(all));
    });
    const typing = discord.as(alice).startAutocomplete(general, 'imagine', 'model', '');
    expect((await tooMany).code).toBe(50035);
    expect(typing.interaction.callback).toBeNull();
  });
});

describe('components and modals', () => {
  /** The bot posts a public result with a button row and a select, as the kit would. */
  async function postResult(): Promise<ReturnType<FakeDiscord['transcript']>[number]> {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.reply({
        content: 'Done',
        files: [{ attachment: png(), name: 'result.png' }],
        components: [
          { type: 1, components: [{ type: 2, style: 2, custom_id: 'gen:vary:7', label: 'Vary' }] },
          {
            type: 1,
            components: [
              {
                type: 3,
                custom_id: 'gen:model',
                placeholder: 'Model',
                options: [
                  { label: 'Flux', value: 'flux' },
                  { label: 'SDXL', value: 'sdxl' },
                ],
              },
            ],
          },
        ],
      });
    });
    discord.as(alice).slash(general, 'imagine', { prompt: 'a fox' });
    await handled;
    return discord.transcript(general, bob)[0]!;
  }

  it('a button press arrives with its message; update edits that message in place', async () => {
    const result = await postResult();
    const handled = nextInteraction(async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.update({ content: 'Varying...', components: [] });
      return [i.customId, i.message.id, i.user.id];
    });
    const press = discord.as(bob).press(result.message, 'gen:vary:7');
    expect(await handled).toEqual(['gen:vary:7', result.message.id, bob.id]);
    expect((await press.acknowledged()).type).toBe(CallbackType.UpdateMessage);
    expect(
      discord.transcript(general, alice).map((e) => [e.content, e.controls.length, e.files.length]),
    ).toEqual([['Varying...', 0, 1]]);
  });

  it('a deferred update lets the bot edit the pressed message later; an ephemeral refusal goes to the presser only', async () => {
    const result = await postResult();
    const handled = nextInteraction(async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.deferUpdate();
      await i.editReply({ content: 'Varied' });
      await i.followUp({ content: 'That button belongs to alice.', flags: MessageFlags.Ephemeral });
    });
    discord.as(bob).press(result.message, 'gen:vary:7');
    await handled;
    expect(discord.transcript(general, alice).map((e) => e.content)).toEqual(['Varied']);
    expect(discord.transcript(general, bob).map((e) => e.content)).toEqual([
      'Varied',
      'That button belongs to alice.',
    ]);
  });

  it('a select choice arrives with its values; users can only pick what is offered', async () => {
    const result = await postResult();
    const handled = nextInteraction(async (i) => {
      if (!i.isStringSelectMenu()) throw new Error('expected a select');
      await i.deferUpdate();
      return i.values;
    });
    discord.as(bob).choose(result.message, 'gen:model', ['sdxl']);
    expect(await handled).toEqual(['sdxl']);
    expect(() => discord.as(bob).choose(result.message, 'gen:model', ['dalle'])).toThrow(/does not allow/);
    expect(() => discord.as(bob).press(result.message, 'gen:missing')).toThrow(/no component/);
  });

  it('a message context menu opens a modal; its submission carries the fields and the target', async () => {
    const photo = discord
      .as(bob)
      .post(general, 'my cat', [{ filename: 'cat.png', bytes: png(), contentType: 'image/png' }]);
    const opened = nextInteraction(async (i) => {
      if (!i.isMessageContextMenuCommand()) throw new Error('expected a message command');
      await i.showModal({
        custom_id: `input:${i.targetMessage.id}`,
        title: 'Use as input',
        components: [{ type: 1, components: [{ type: 4, custom_id: 'prompt', label: 'Prompt', style: 1 }] }],
      });
      return i.targetMessage.attachments.first()?.url;
    });
    const menu = discord.as(alice).messageCommand(photo, 'Use as input');
    const url = await opened;
    expect(url).toBe(photo.attachments[0]?.url);
    expect((await menu.acknowledged()).type).toBe(CallbackType.Modal);

    const submitted = nextInteraction(async (i) => {
      if (!i.isModalSubmit()) throw new Error('expected a modal submit');
      await i.reply({ content: `Generating "${i.fields.getTextInputValue('prompt')}"` });
      return i.customId;
    });
    expect(() => discord.as(alice).submitModal(menu, {})).toThrow(/required/);
    discord.as(alice).submitModal(menu, { prompt: 'as a watercolour' });
    expect(await submitted).toBe(`input:${photo.id}`);
    expect(discord.transcript(general, bob).map((e) => e.content)).toEqual([
      'my cat',
      'Generating "as a watercolour"',
    ]);
  });

  it('Discord refuses layouts beyond its limits and messages over 2000 characters', async () => {
    const handled = nextInteraction(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('expected a slash command');
      await i.deferReply();
      const row = (n: number) => ({
        type: 1,
        components: [{ type: 2, style: 1, custom_id: `b${n}`, label: `B${n}` }],
      });
      const rows = await rejectionOf(i.editReply({ components: [1, 2, 3, 4, 5, 6].map(row) }));
      const long = await rejectionOf(i.editReply({ content: 'x'.repeat(2001) }));
      return [rows.code, rows.message, long.code, long.message];
    });
    discord.as(alice).slash(general, 'imagine', { prompt: 'x' });
    const [rowsCode, rowsMessage, longCode, longMessage] = await handled;
    expect([rowsCode, longCode]).toEqual([50035, 50035]);
    expect(rowsMessage).toContain('components[BASE_TYPE_MAX_LENGTH]');
    expect(longMessage).toContain('content[BASE_TYPE_MAX_LENGTH]');
  });
});

describe('channel messages and direct messages', () => {
  it('the bot posts files to a channel and opens a DM with a user', async () => {
    const channel = await client.channels.fetch(general.id);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    await channel.send({
      content: `<@${alice.id}> done`,
      files: [
        { attachment: png(), name: 'a.png' },
        { attachment: png(8, 8), name: 'b.png' },
      ],
    });
    const [posted] = discord.transcript(general, bob);
    expect(posted?.files.map((f) => [f.filename, f.width])).toEqual([
      ['a.png', 64],
      ['b.png', 8],
    ]);
    expect(posted?.mentions).toEqual([alice.id]);

    const user = await client.users.fetch(alice.id);
    await user.send('Your sign-in link: http://127.0.0.1/billing?t=secret');
    expect(discord.transcript(discord.dmChannel(alice), alice).map((e) => e.content)).toEqual([
      'Your sign-in link: http://127.0.0.1/billing?t=secret',
    ]);
  });

  it('permanent failures come back as Discord errors: missing access, missing permissions, unknown channel, closed DMs', async () => {
    const hidden = discord.createTextChannel(guild, { name: 'staff', botAccess: 'none' });
    const readOnly = discord.createTextChannel(guild, { name: 'news', botAccess: 'read-only' });
    const post = (channelId: string) =>
      client.rest.post(Routes.channelMessages(channelId), { body: { content: 'hi' } });
    expect((await rejectionOf(post(hidden.id))).code).toBe(50001);
    expect((await rejectionOf(post(readOnly.id))).code).toBe(50013);
    expect((await rejectionOf(post('1234567890123456789'))).code).toBe(10003);
    const shy = discord.createUser({ username: 'shy', acceptsDms: false });
    discord.addMember(guild, shy);
    const error = await rejectionOf((await client.users.fetch(shy.id)).send('hello'));
    expect([error.code, (error as DiscordAPIError).status]).toEqual([50007, 403]);
    expect(discord.transcript(discord.dmChannel(shy), shy)).toEqual([]);
  });

  it("files over the guild's upload limit are refused with 40005; a boosted guild takes them", async () => {
    const channel = await client.channels.fetch(general.id);
    if (!channel?.isSendable()) throw new Error('expected a text channel');
    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    const error = await rejectionOf(channel.send({ files: [{ attachment: big, name: 'big.png' }] }));
    expect([error.code, (error as DiscordAPIError).status]).toEqual([40005, 413]);

    const boosted = discord.createGuild({ name: 'Boosted', owner: alice, premiumTier: 2 });
    const gallery = discord.createTextChannel(boosted, { name: 'gallery' });
    await client.rest.post(Routes.channelMessages(gallery.id), {
      files: [{ name: 'big.png', data: big }],
      body: {},
    });
    expect(discord.transcript(gallery, alice)[0]?.files[0]?.size).toBe(big.length);
  });
});

describe('rate limits', () => {
  it('a 429 with retry-after makes discord.js wait and retry; the message is posted once', async () => {
    discord.rest.rateLimitNext(
      { method: 'POST', path: '/channels/:channelId/messages' },
      { retryAfterMs: 300 },
    );
    const limited: number[] = [];
    client.rest.on('rateLimited', (info) => limited.push(info.retryAfter));
    const started = performance.now();
    await client.rest.post(Routes.channelMessages(general.id), { body: { content: 'after the limit' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(discord.rest.callsTo('POST', '/channels/:channelId/messages').map((c) => c.status)).toEqual([
      429, 200,
    ]);
    expect(limited).toHaveLength(1);
    expect(limited[0]).toBeGreaterThanOrEqual(300);
    expect(discord.transcript(general, alice).map((e) => e.content)).toEqual(['after the limit']);
  });

  it('an exhausted bucket is announced in X-RateLimit headers and discord.js queues behind it', async () => {
    await client.destroy();
    await discord.close();
    discord = new FakeDiscord({ rateLimit: { limit: 2, windowMs: 400 } });
    await discord.start();
    const owner = discord.createUser({ username: 'owner' });
    const g = discord.createGuild({ name: 'G', owner });
    const channel = discord.createTextChannel(g, { name: 'c' });
    client = await connectDiscordJs(discord);
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        client.rest.post(Routes.channelMessages(channel.id), { body: { content: `m${n}` } }),
      ),
    );
    expect(discord.rest.callsTo('POST', '/channels/:channelId/messages').map((c) => c.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
    expect(
      discord
        .transcript(channel, owner)
        .map((e) => e.content)
        .sort(),
    ).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('an injected permanent error is answered once, in the envelope discord.js parses', async () => {
    discord.rest.failNext({ path: '/channels/:channelId/messages' }, discordError.missingAccess());
    const error = await rejectionOf(
      client.rest.post(Routes.channelMessages(general.id), { body: { content: 'x' } }),
    );
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect([error.code, error.message]).toEqual([50001, 'Missing Access']);
    await client.rest.post(Routes.channelMessages(general.id), { body: { content: 'y' } });
    expect(discord.transcript(general, alice).map((e) => e.content)).toEqual(['y']);
  });
});

describe('CDN', () => {
  it('attachment links are signed and expire after a day', async () => {
    const message = discord
      .as(alice)
      .post(general, '', [{ filename: 'in.png', bytes: png(), contentType: 'image/png' }]);
    const url = message.attachments[0]!.url;
    const ok = await fetch(url);
    expect([
      ok.status,
      ok.headers.get('content-type'),
      Buffer.from(await ok.arrayBuffer()).equals(png()),
    ]).toEqual([200, 'image/png', true]);
    expect((await fetch(url.replace(/hm=[0-9a-f]+/, `hm=${'ab'.repeat(32)}`))).status).toBe(404);
    discord.clock.advance(25 * 60 * 60_000);
    expect((await fetch(url)).status).toBe(404);
  });
});
