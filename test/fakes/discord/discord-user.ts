// The user's side of Discord for tests: a person runs a slash command, types into an autocompleted
// option, presses a button, picks from a select, submits a modal, uses a message context menu, or
// posts a message. Each action is what Discord's client would allow and reaches the bot as the
// gateway dispatch Discord would send.
import type { DiscordCdn } from './discord-cdn';
import type { CommandRegistry } from './discord-commands';
import type { DiscordGateway } from './discord-gateway';
import {
  type CallbackRecord,
  type FakeInteraction,
  type InteractionStore,
  modalInputs,
} from './discord-interactions';
import { buildCommandData, type FileInput, type OptionInput } from './discord-invocation';
import { attachmentObject, channelObject, memberObject, messageObject, userObject } from './discord-objects';
import {
  ButtonStyle,
  CommandType,
  type CommandTypeValue,
  ComponentType,
  EVERYONE_DEFAULT,
  IntegrationOwner,
  InteractionContext,
  InteractionType,
  type InteractionTypeValue,
  MessageType,
} from './discord-protocol';
import type { DiscordWorld, FakeChannel, FakeUser, StoredMessage } from './discord-world';

type Json = Record<string, unknown>;

export interface UserSideDeps {
  world: DiscordWorld;
  cdn: DiscordCdn;
  commands: CommandRegistry;
  interactions: InteractionStore;
  gateway: DiscordGateway;
  applicationId: string;
  bot: FakeUser;
  waitFor<T>(probe: () => T, opts?: { timeoutMs?: number; label?: string }): Promise<NonNullable<T>>;
}

/** An interaction a user started, to follow what the bot did with it. */
export class InteractionHandle {
  constructor(
    private readonly deps: UserSideDeps,
    readonly interaction: FakeInteraction,
  ) {}

  get id(): string {
    return this.interaction.id;
  }

  /** Resolves with the bot's callback; rejects if none arrives in `timeoutMs` (Discord allows 3 s). */
  acknowledged(timeoutMs = 5_000): Promise<CallbackRecord> {
    return this.deps.waitFor(() => this.interaction.callback, {
      timeoutMs,
      label: `a callback for interaction ${this.id}`,
    });
  }

  /** The @original response (or, after an update, the message the component sits on). */
  response(): StoredMessage | null {
    return this.interaction.original;
  }

  /** Waits until the @original response satisfies `check` (e.g. the result has arrived). */
  responseWhere(check: (m: StoredMessage) => boolean, timeoutMs = 15_000): Promise<StoredMessage> {
    return this.deps.waitFor(
      () => {
        const m = this.interaction.original;
        return m && !m.deleted && check(m) ? m : null;
      },
      { timeoutMs, label: `the response to interaction ${this.id}` },
    );
  }

  followUps(): readonly StoredMessage[] {
    return this.interaction.followUps;
  }
}

export class DiscordUserSide {
  constructor(
    private readonly deps: UserSideDeps,
    readonly user: FakeUser,
  ) {}

  /** Runs `/name [group] [sub]` with option values as the client would type them. */
  slash(channel: FakeChannel, command: string, options: Record<string, OptionInput> = {}): InteractionHandle {
    const path = command.replace(/^\//, '').split(/\s+/);
    const registered = this.command(channel, CommandType.ChatInput, path[0]!);
    const data = buildCommandData(registered, path, options, this.helpers(channel));
    return this.start(channel, InteractionType.ApplicationCommand, data, null);
  }

  /** Types `typed` into option `focused` of a command and returns the choices the bot offers. */
  async autocomplete(
    channel: FakeChannel,
    command: string,
    focused: string,
    typed: string,
    options: Record<string, OptionInput> = {},
  ): Promise<{ name: string; value: string | number }[]> {
    const handle = this.startAutocomplete(channel, command, focused, typed, options);
    await handle.acknowledged();
    return (handle.interaction.choices ?? []) as { name: string; value: string | number }[];
  }

  /** Like `autocomplete`, without waiting for the answer (for a bot whose answer is refused). */
  startAutocomplete(
    channel: FakeChannel,
    command: string,
    focused: string,
    typed: string,
    options: Record<string, OptionInput> = {},
  ): InteractionHandle {
    const path = command.replace(/^\//, '').split(/\s+/);
    const registered = this.command(channel, CommandType.ChatInput, path[0]!);
    const values = { ...options, [focused]: typed };
    const data = buildCommandData(registered, path, values, this.helpers(channel), focused);
    return this.start(channel, InteractionType.Autocomplete, data, null);
  }

  /** Right-click a message -> Apps -> `name`. */
  messageCommand(message: StoredMessage, name: string): InteractionHandle {
    const channel = this.deps.world.channel(message.channelId);
    this.canSee(message);
    const registered = this.command(channel, CommandType.Message, name);
    const data: Json = {
      id: registered.id,
      name: registered.name,
      type: CommandType.Message,
      target_id: message.id,
      resolved: { messages: { [message.id]: messageObject(this.deps.world, message) } },
      ...(registered.guildId ? { guild_id: registered.guildId } : {}),
    };
    return this.start(channel, InteractionType.ApplicationCommand, data, null);
  }

  press(message: StoredMessage, customId: string): InteractionHandle {
    const component = this.component(message, customId);
    if (component.type !== ComponentType.Button || component.style === ButtonStyle.Link) {
      throw new Error(`"${customId}" is not a button that sends an interaction`);
    }
    const data = { custom_id: customId, component_type: ComponentType.Button };
    return this.start(
      this.deps.world.channel(message.channelId),
      InteractionType.MessageComponent,
      data,
      message,
    );
  }

  choose(message: StoredMessage, customId: string, values: string[]): InteractionHandle {
    const component = this.component(message, customId);
    if (component.type !== ComponentType.StringSelect) throw new Error(`"${customId}" is not a select menu`);
    const offered = ((component.options as Json[] | undefined) ?? []).map((o) => o.value);
    const min = Number(component.min_values ?? 1);
    const max = Number(component.max_values ?? 1);
    if (values.length < min || values.length > max || values.some((v) => !offered.includes(v))) {
      throw new Error(`the select "${customId}" does not allow ${JSON.stringify(values)}`);
    }
    const data = { custom_id: customId, component_type: ComponentType.StringSelect, values };
    return this.start(
      this.deps.world.channel(message.channelId),
      InteractionType.MessageComponent,
      data,
      message,
    );
  }

  /** Fills in and submits the modal that the bot opened in answer to `opened`. */
  submitModal(opened: InteractionHandle, values: Record<string, string>): InteractionHandle {
    const modal = opened.interaction.modal;
    if (!modal) throw new Error(`interaction ${opened.id} did not open a modal`);
    if (opened.interaction.userId !== this.user.id)
      throw new Error('only the user who opened a modal can submit it');
    const rows = (modal.components as Json[]).map((row) => {
      const fields = modalInputs(row).map((input) => {
        const id = String(input.custom_id);
        const value = values[id] ?? '';
        if (input.required !== false && !value) throw new Error(`the modal field "${id}" is required`);
        if (typeof input.max_length === 'number' && value.length > input.max_length)
          throw new Error(`"${id}" is too long`);
        return { type: ComponentType.TextInput, custom_id: id, value };
      });
      return row.type === ComponentType.Label
        ? { type: ComponentType.Label, component: fields[0] }
        : { type: ComponentType.ActionRow, components: fields };
    });
    const channel = this.deps.world.channel(opened.interaction.channelId);
    const data = { custom_id: modal.custom_id, components: rows };
    return this.start(channel, InteractionType.ModalSubmit, data, opened.interaction.source);
  }

  /** A message the user writes (with files), e.g. an image to use as input later. */
  post(channel: FakeChannel, content: string, files: FileInput[] = []): StoredMessage {
    this.canUse(channel);
    const attachments = files.map((f) => this.deps.cdn.store(channel.id, this.deps.world.snowflake(), f));
    return this.deps.world.addMessage({
      id: this.deps.world.snowflake(),
      channelId: channel.id,
      authorId: this.user.id,
      content,
      embeds: [],
      components: [],
      attachments,
      flags: 0,
      mentions: [],
      type: MessageType.Default,
      webhookId: null,
      interaction: null,
      visibleTo: null,
    });
  }

  private command(channel: FakeChannel, type: CommandTypeValue, name: string) {
    this.canUse(channel);
    const registered = this.deps.commands.find(channel.guildId, type, name);
    if (!registered) throw new Error(`no command "${name}" is registered where ${this.user.username} is`);
    const def = registered.definition;
    if (
      !channel.guildId &&
      (def.dm_permission === false ||
        (Array.isArray(def.contexts) && !def.contexts.includes(InteractionContext.BotDM)))
    ) {
      throw new Error(`"${name}" is not available in direct messages`);
    }
    if (channel.guildId && typeof def.default_member_permissions === 'string') {
      const needed = BigInt(def.default_member_permissions);
      const has = this.deps.world.permissions(this.deps.world.guild(channel.guildId), this.user.id);
      if ((has & needed) !== needed)
        throw new Error(`${this.user.username} lacks the permissions "${name}" requires`);
    }
    return registered;
  }

  private component(message: StoredMessage, customId: string): Json {
    this.canSee(message);
    for (const row of message.components) {
      for (const component of (row.components as Json[] | undefined) ?? []) {
        if (component.custom_id !== customId) continue;
        if (component.disabled) throw new Error(`"${customId}" is disabled`);
        return component;
      }
    }
    throw new Error(`message ${message.id} has no component "${customId}"`);
  }

  private canSee(message: StoredMessage): void {
    if (message.deleted) throw new Error(`message ${message.id} was deleted`);
    if (message.visibleTo && message.visibleTo !== this.user.id)
      throw new Error(`${this.user.username} cannot see an ephemeral message of another user`);
    this.canUse(this.deps.world.channel(message.channelId));
  }

  private canUse(channel: FakeChannel): void {
    if (channel.guildId && !this.deps.world.guild(channel.guildId).members.has(this.user.id)) {
      throw new Error(`${this.user.username} is not a member of the guild of channel ${channel.id}`);
    }
    if (!channel.guildId && channel.recipientId !== this.user.id)
      throw new Error(`${this.user.username} is not in DM ${channel.id}`);
  }

  private helpers(channel: FakeChannel) {
    return {
      storeAttachment: (file: FileInput) =>
        this.deps.cdn.store(channel.id, this.deps.world.snowflake(), file),
      attachmentJson: (a: Parameters<typeof attachmentObject>[0]) => attachmentObject(a, true),
      userJson: (u: FakeUser) => userObject(u),
    };
  }

  private start(
    channel: FakeChannel,
    type: InteractionTypeValue,
    data: Json,
    source: StoredMessage | null,
  ): InteractionHandle {
    const { world, interactions, gateway, applicationId, bot } = this.deps;
    const guild = channel.guildId ? world.guild(channel.guildId) : null;
    const interaction = interactions.create({
      type,
      userId: this.user.id,
      channelId: channel.id,
      guildId: guild?.id ?? null,
      source,
      payload: (id, token) => ({
        id,
        application_id: applicationId,
        type,
        data,
        token,
        version: 1,
        channel: channelObject(world, channel),
        channel_id: channel.id,
        ...(guild
          ? {
              guild_id: guild.id,
              guild: { id: guild.id, locale: 'en-US', features: [] },
              guild_locale: 'en-US',
              member: {
                ...memberObject(world, guild, this.user.id),
                permissions: world.permissions(guild, this.user.id).toString(),
              },
              app_permissions: world.permissions(guild, bot.id).toString(),
              authorizing_integration_owners: { [IntegrationOwner.Guild]: guild.id },
              context: InteractionContext.Guild,
            }
          : {
              user: userObject(this.user),
              app_permissions: EVERYONE_DEFAULT.toString(),
              authorizing_integration_owners: { [IntegrationOwner.Guild]: '0' },
              context: InteractionContext.BotDM,
            }),
        ...(source ? { message: messageObject(world, source) } : {}),
        locale: 'en-US',
        entitlements: [],
        attachment_size_limit: world.uploadLimit(channel),
      }),
    });
    gateway.dispatch('INTERACTION_CREATE', interaction.payload, { guildId: guild?.id ?? null });
    world.changed();
    return new InteractionHandle(this.deps, interaction);
  }
}
