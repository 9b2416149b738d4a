import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  ComponentType,
  Events,
  GatewayIntentBits,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  MessageFlags,
  type ModalSubmitInteraction,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
  TextInputStyle,
} from 'discord.js';
import { type ChatKit, createChatKit } from '../kit/chat-kit';
import type { Prepared } from '../kit/chat-kit.types';
import { discordInput } from '../kit/command-menus';
import { type Attachment, type KitLogger, quietLogger } from '../kit/kit.types';
import { clip, type Reply } from '../kit/reply';
import { TaskSet } from '../kit/task-set';
import { applicationCommands, USE_AS_INPUT } from './discord-commands';
import { type Acknowledgement, attachmentOf, channelContext, interactionContext } from './discord-context';
import { DiscordMessenger } from './discord-messenger';
import { registerCommands } from './discord-registration';
import { SELECT_PREFIX } from './discord-render';
import { UseAsInputForms } from './use-as-input';

export interface DiscordBotOptions {
  /** DISCORD_TOKEN */
  token: string;
  /** DISCORD_APPLICATION_ID: checked against the token's application at start. */
  applicationId: string;
  coreUrl: string;
  serviceToken: string;
  /** DISCORD_API_URL (discord.js `rest.api`, e.g. http://127.0.0.1:PORT/api) and DISCORD_CDN_URL. */
  apiUrl?: string;
  cdnUrl?: string;
  /** DISCORD_GUILD_ID: register the commands in this server only (instant, for development). */
  guildId?: string;
  logger?: KitLogger;
  /** Minimum time between two edits of a progress message. Default 1000 ms. */
  progressEditIntervalMs?: number;
  /** Extra discord.js client options (sharding: `shards: 'auto'`). */
  client?: Partial<Pick<ClientOptions, 'shards' | 'shardCount'>>;
}

export interface DiscordBot {
  /** Disconnects from the gateway, lets running commands and deliveries finish. */
  stop(): Promise<void>;
  /** The bot user's name. */
  username: string;
  /** Whether the start registered the commands ('registered') or found them current. */
  registration: 'registered' | 'unchanged';
}

const ephemeralFlags = (visibility: string): { flags?: MessageFlags.Ephemeral } =>
  visibility === 'ephemeral' ? { flags: MessageFlags.Ephemeral } : {};

/** Everything a slash command's attachment options carry (subcommands included). */
function attachmentsOf(interaction: ChatInputCommandInteraction): Attachment[] {
  const leaves = interaction.options.data.flatMap((o) => (o.options ? [...o.options] : [o]));
  return leaves.flatMap((o) => (o.attachment ? [attachmentOf(o.attachment)] : []));
}

/** Wires interactions to the kit: acknowledge first (with the command's visibility), then run. */
class InteractionRouter {
  private readonly forms = new UseAsInputForms();

  constructor(
    private readonly kit: ChatKit,
    private readonly messenger: DiscordMessenger,
    private readonly tasks: TaskSet,
  ) {}

  handle(interaction: Interaction): void {
    if (interaction.isAutocomplete())
      this.tasks.run('discord autocomplete', () => this.complete(interaction));
    else if (interaction.isChatInputCommand()) this.command(interaction);
    else if (interaction.isMessageContextMenuCommand())
      this.tasks.run('discord use as input', () => this.openForm(interaction));
    else if (interaction.isModalSubmit()) this.submitForm(interaction);
    else if (interaction.isButton() || interaction.isStringSelectMenu()) this.press(interaction);
  }

  /** Autocomplete cannot defer: the kit answers from its cache at once. */
  private async complete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const choices = this.kit.complete(channelContext(this.messenger, interaction), {
      command: interaction.commandName,
      ...(interaction.options.getSubcommand(false)
        ? { subcommand: interaction.options.getSubcommand(false)! }
        : {}),
      option: focused.name,
      typed: String(focused.value),
    });
    await interaction.respond(
      choices.slice(0, 25).map((c) => ({ name: clip(c.label, 100), value: c.value })),
    );
  }

  private command(interaction: ChatInputCommandInteraction): void {
    const input = discordInput(interaction.options.data as Parameters<typeof discordInput>[0]);
    this.start(interaction, (ctx) =>
      this.kit.prepare(ctx, interaction.commandName, input, attachmentsOf(interaction)),
    );
  }

  /** prepare (synchronous), then defer with its visibility or answer a mistake at once, then run. */
  private start(
    interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
    prepare: (ctx: ReturnType<typeof interactionContext>) => Prepared,
  ): void {
    // The context needs the acknowledgement, which is known once prepare has decided visibility.
    const ack: Acknowledgement = { kind: 'reply', visibility: 'ephemeral' };
    const prepared = prepare(interactionContext(this.messenger, interaction, ack));
    if (!prepared.ok) {
      this.tasks.run('discord usage answer', () => this.answerNow(interaction, prepared.reply));
      return;
    }
    ack.visibility = prepared.visibility;
    this.tasks.run(`discord /${prepared.command}`, async () => {
      await interaction.deferReply(ephemeralFlags(ack.visibility));
      await prepared.run();
    });
  }

  private press(interaction: ButtonInteraction | StringSelectMenuInteraction): void {
    const action =
      interaction.isStringSelectMenu() && interaction.customId.startsWith(SELECT_PREFIX)
        ? interaction.values[0]
        : interaction.customId;
    if (action === undefined) return;
    const ctx = interactionContext(this.messenger, interaction, { kind: 'update' });
    const pressed = this.kit.press(ctx, action);
    this.tasks.run('discord press', async () => {
      await interaction.deferUpdate();
      await pressed.run();
    });
  }

  /** Use as input: the message's first image, and a form asking for the prompt. */
  private async openForm(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    if (interaction.commandName !== USE_AS_INPUT) return;
    const image = interaction.targetMessage.attachments.find(
      (a) => a.contentType?.startsWith('image/') ?? false,
    );
    if (!image) {
      await interaction.reply({
        content: 'That message has no image to use as input.',
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const customId = this.forms.openFor(interaction.id, {
      url: image.url,
      name: image.name,
      contentType: image.contentType,
    });
    await interaction.showModal({
      custom_id: customId,
      title: 'Generate from this image',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: 'prompt',
              label: 'Prompt',
              style: TextInputStyle.Paragraph,
              required: true,
              max_length: 2000,
            },
          ],
        },
      ],
    });
  }

  private submitForm(interaction: ModalSubmitInteraction): void {
    const image = this.forms.take(interaction.customId);
    if (!image) {
      this.tasks.run('discord expired form', () =>
        this.answerNow(interaction, {
          text: [`That form has expired: use "${USE_AS_INPUT}" on the message again.`],
          visibility: 'ephemeral',
        }),
      );
      return;
    }
    const prompt = interaction.fields.getTextInputValue('prompt');
    this.start(interaction, (ctx) =>
      this.kit.prepare(ctx, 'generate', { values: { prompt } }, [attachmentOf(image)]),
    );
  }

  private async answerNow(interaction: RepliableInteraction, reply: Reply): Promise<void> {
    const payload = await this.messenger.render(reply, interaction.channelId ?? '');
    await interaction.reply({ ...payload, ...ephemeralFlags(reply.visibility ?? 'ephemeral') });
  }
}

/**
 * Starts the Discord bot: one gateway connection with the Guilds intent only (commands arrive as
 * interactions, so no privileged intent), the commands registered when they changed, deliveries posted.
 */
export async function startDiscordBot(opts: DiscordBotOptions): Promise<DiscordBot> {
  const logger = opts.logger ?? quietLogger;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...(opts.client ?? {}),
    rest: { ...(opts.apiUrl ? { api: opts.apiUrl } : {}), ...(opts.cdnUrl ? { cdn: opts.cdnUrl } : {}) },
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(opts.token);
  await ready;
  const app = client as Client<true>;
  if (app.application.id !== opts.applicationId) {
    await client.destroy();
    throw new Error(
      `DISCORD_APPLICATION_ID is ${opts.applicationId}, but DISCORD_TOKEN belongs to application ${app.application.id}`,
    );
  }
  const registration = await registerCommands(app, applicationCommands(), opts.guildId);
  logger.info('discord commands', { registration, scope: opts.guildId ? `guild ${opts.guildId}` : 'global' });

  const kit = createChatKit({
    coreUrl: opts.coreUrl,
    serviceToken: opts.serviceToken,
    platform: 'discord',
    logger,
    ...(opts.progressEditIntervalMs !== undefined
      ? { progressEditIntervalMs: opts.progressEditIntervalMs }
      : {}),
  });
  const messenger = new DiscordMessenger(app, logger);
  const tasks = new TaskSet(logger);
  const router = new InteractionRouter(kit, messenger, tasks);
  client.on(Events.InteractionCreate, (interaction) => router.handle(interaction));
  client.on(Events.Error, (error) => logger.error('discord client error', { error: String(error) }));
  await kit.ready();
  kit.consumeDeliveries(messenger);

  return {
    username: app.user.username,
    registration,
    async stop() {
      client.removeAllListeners(Events.InteractionCreate);
      await tasks.drain();
      await kit.close();
      await client.destroy();
    },
  };
}
