// Interactions after they are dispatched: the one callback each allows (within 3 s, of a type that
// fits), then the interaction webhook (edit @original, follow-ups) for 15 minutes.
import { randomBytes } from 'node:crypto';
import type { DiscordCdn } from './discord-cdn';
import { DiscordHttpError, discordError, FormErrors } from './discord-errors';
import { parseMessagePatch, parseNewMessage, type UploadedFile } from './discord-message-payload';
import { messageObject } from './discord-objects';
import {
  CallbackType,
  type CallbackTypeValue,
  ComponentType,
  INTERACTION_ACK_WINDOW_MS,
  INTERACTION_TOKEN_TTL_MS,
  InteractionType,
  type InteractionTypeValue,
  MessageFlag,
  MessageType,
  SETTABLE_MESSAGE_FLAGS,
} from './discord-protocol';
import type { DiscordWorld, FakeChannel, StoredMessage } from './discord-world';

type Json = Record<string, unknown>;

export interface CallbackRecord {
  type: CallbackTypeValue;
  data: Json;
  /** Milliseconds from dispatch to this callback (real time, for latency figures). */
  latencyMs: number;
}

export interface FakeInteraction {
  id: string;
  token: string;
  type: InteractionTypeValue;
  userId: string;
  channelId: string;
  guildId: string | null;
  /** Fake-clock time of creation: the 3 s and 15 min windows count from here. */
  createdAt: number;
  /** performance.now() when it was dispatched on the gateway. */
  dispatchedAt: number;
  /** The wire payload (`d` of INTERACTION_CREATE). */
  payload: Json;
  /** For component interactions: the message the component sits on. */
  source: StoredMessage | null;
  callback: CallbackRecord | null;
  /** The interaction's @original message, once a callback created or chose one. */
  original: StoredMessage | null;
  followUps: StoredMessage[];
  /** The modal the bot opened (callback type 9). */
  modal: Json | null;
  /** The choices the bot answered an autocomplete with (callback type 8). */
  choices: Json[] | null;
}

export class InteractionStore {
  readonly all: FakeInteraction[] = [];
  private readonly byId = new Map<string, FakeInteraction>();

  constructor(
    private readonly world: DiscordWorld,
    private readonly cdn: DiscordCdn,
    private readonly applicationId: string,
    private readonly botUserId: () => string,
  ) {}

  create(
    init: Omit<
      FakeInteraction,
      | 'id'
      | 'token'
      | 'createdAt'
      | 'dispatchedAt'
      | 'callback'
      | 'original'
      | 'followUps'
      | 'modal'
      | 'choices'
      | 'payload'
    > & {
      payload: (id: string, token: string) => Json;
    },
  ): FakeInteraction {
    const id = this.world.snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(48).toString('base64url')}`;
    const interaction: FakeInteraction = {
      ...init,
      id,
      token,
      createdAt: this.world.clock.now(),
      dispatchedAt: performance.now(),
      payload: init.payload(id, token),
      callback: null,
      original: null,
      followUps: [],
      modal: null,
      choices: null,
    };
    this.all.push(interaction);
    this.byId.set(id, interaction);
    return interaction;
  }

  get(id: string): FakeInteraction | undefined {
    return this.byId.get(id);
  }

  /** POST /interactions/{id}/{token}/callback. Returns the body for `with_response=true`, else undefined (204). */
  respond(
    id: string,
    token: string,
    body: Json,
    files: UploadedFile[],
    withResponse: boolean,
  ): Json | undefined {
    const interaction = this.byId.get(id);
    if (!interaction || interaction.token !== token) throw discordError.unknownInteraction();
    if (interaction.callback) throw discordError.alreadyAcknowledged();
    if (this.world.clock.now() - interaction.createdAt > INTERACTION_ACK_WINDOW_MS)
      throw discordError.unknownInteraction();
    const type = Number(body.type) as CallbackTypeValue;
    const data = (body.data as Json | undefined) ?? {};
    this.checkCallbackType(interaction, type);
    const channel = this.world.channel(interaction.channelId);
    switch (type) {
      case CallbackType.ChannelMessage: {
        const content = parseNewMessage(data, files, this.payloadContext(channel, true));
        interaction.original = this.post(interaction, content);
        break;
      }
      case CallbackType.DeferredChannelMessage: {
        const ephemeral = (Number(data.flags ?? 0) & MessageFlag.Ephemeral) !== 0;
        const flags = MessageFlag.Loading | (ephemeral ? MessageFlag.Ephemeral : 0);
        interaction.original = this.post(interaction, {
          content: '',
          embeds: [],
          components: [],
          attachments: [],
          flags,
          mentions: [],
        });
        break;
      }
      case CallbackType.UpdateMessage: {
        const source = interaction.source!;
        const patch = parseMessagePatch(data, files, this.payloadContext(channel, false), source);
        this.world.editMessage(source, keepEphemeral(source, patch));
        interaction.original = source;
        break;
      }
      case CallbackType.DeferredUpdateMessage:
        interaction.original = interaction.source;
        break;
      case CallbackType.AutocompleteResult:
        interaction.choices = validateChoices(data.choices);
        break;
      case CallbackType.Modal:
        interaction.modal = validateModal(data);
        break;
      default:
        throw discordError.invalidFormBody({
          type: {
            _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {4, 5, 6, 7, 8, 9}.' }],
          },
        });
    }
    interaction.callback = { type, data, latencyMs: performance.now() - interaction.dispatchedAt };
    this.world.changed();
    if (!withResponse) return undefined;
    const message = interaction.original;
    return {
      interaction: {
        id: interaction.id,
        type: interaction.type,
        activity_instance_id: null,
        response_message_id: message?.id ?? null,
        response_message_loading: message ? (message.flags & MessageFlag.Loading) !== 0 : false,
        response_message_ephemeral: message ? (message.flags & MessageFlag.Ephemeral) !== 0 : false,
      },
      resource: {
        type,
        ...(message && type !== CallbackType.DeferredUpdateMessage
          ? { message: messageObject(this.world, message) }
          : {}),
      },
    };
  }

  /** The interaction behind a webhook token, while the token lives. */
  byWebhook(applicationId: string, token: string): FakeInteraction {
    if (applicationId !== this.applicationId) throw discordError.unknownWebhook();
    const interaction = this.all.find((i) => i.token === token);
    if (!interaction) throw discordError.invalidWebhookToken();
    if (this.world.clock.now() - interaction.createdAt > INTERACTION_TOKEN_TTL_MS)
      throw discordError.invalidWebhookToken();
    return interaction;
  }

  /** The message `messageId` (`@original` or a follow-up id) of an interaction webhook. */
  webhookMessage(interaction: FakeInteraction, messageId: string): StoredMessage {
    const message =
      messageId === '@original'
        ? interaction.original
        : interaction.followUps.find((m) => m.id === messageId);
    if (!message || message.deleted) throw discordError.unknownMessage();
    return message;
  }

  editWebhookMessage(
    interaction: FakeInteraction,
    messageId: string,
    body: Json,
    files: UploadedFile[],
  ): StoredMessage {
    const message = this.webhookMessage(interaction, messageId);
    const channel = this.world.channel(interaction.channelId);
    const patch = parseMessagePatch(body, files, this.payloadContext(channel, false), message);
    const finished = {
      ...keepEphemeral(message, patch),
      flags: (patch.flags ?? message.flags) & ~MessageFlag.Loading,
    };
    const result = this.world.editMessage(message, finished);
    if (isEmpty(result)) throw discordError.cannotSendEmpty();
    return result;
  }

  /**
   * POST /webhooks/{app}/{token}. As on Discord, the first follow-up to a deferred response that is
   * still loading replaces that loading message, keeping the visibility chosen when deferring.
   */
  followUp(interaction: FakeInteraction, body: Json, files: UploadedFile[]): StoredMessage {
    if (!interaction.callback || interaction.callback.type === CallbackType.AutocompleteResult)
      throw discordError.unknownWebhook();
    const loading =
      interaction.original && interaction.original.flags & MessageFlag.Loading ? interaction.original : null;
    if (loading) return this.editWebhookMessage(interaction, '@original', body, files);
    const channel = this.world.channel(interaction.channelId);
    const content = parseNewMessage(body, files, this.payloadContext(channel, true));
    const message = this.post(interaction, content);
    interaction.followUps.push(message);
    this.world.changed();
    return message;
  }

  private post(interaction: FakeInteraction, content: StoredMessage['versions'][number]): StoredMessage {
    const ephemeral = (content.flags & MessageFlag.Ephemeral) !== 0;
    const isCommand = interaction.type === InteractionType.ApplicationCommand;
    const commandType = (interaction.payload.data as Json).type;
    return this.world.addMessage({
      ...content,
      id: this.world.snowflake(),
      channelId: interaction.channelId,
      authorId: this.botUserId(),
      type: isCommand
        ? commandType === 1
          ? MessageType.ChatInputCommand
          : MessageType.ContextMenuCommand
        : MessageType.Default,
      webhookId: this.applicationId,
      interaction: { id: interaction.id, type: interaction.type, userId: interaction.userId },
      visibleTo: ephemeral ? interaction.userId : null,
    });
  }

  private payloadContext(channel: FakeChannel, allowEphemeral: boolean) {
    return {
      channelId: channel.id,
      uploadLimit: this.world.uploadLimit(channel),
      cdn: this.cdn,
      snowflake: () => this.world.snowflake(),
      allowedFlags: SETTABLE_MESSAGE_FLAGS | (allowEphemeral ? MessageFlag.Ephemeral : 0),
    };
  }

  private checkCallbackType(interaction: FakeInteraction, type: CallbackTypeValue): void {
    const fromComponent =
      interaction.type === InteractionType.MessageComponent ||
      (interaction.type === InteractionType.ModalSubmit && interaction.source !== null);
    const allowed: Record<InteractionTypeValue, readonly number[]> = {
      [InteractionType.Ping]: [CallbackType.Pong],
      [InteractionType.ApplicationCommand]: [
        CallbackType.ChannelMessage,
        CallbackType.DeferredChannelMessage,
        CallbackType.Modal,
      ],
      [InteractionType.MessageComponent]: [
        CallbackType.ChannelMessage,
        CallbackType.DeferredChannelMessage,
        CallbackType.DeferredUpdateMessage,
        CallbackType.UpdateMessage,
        CallbackType.Modal,
      ],
      [InteractionType.Autocomplete]: [CallbackType.AutocompleteResult],
      [InteractionType.ModalSubmit]: fromComponent
        ? [
            CallbackType.ChannelMessage,
            CallbackType.DeferredChannelMessage,
            CallbackType.DeferredUpdateMessage,
            CallbackType.UpdateMessage,
          ]
        : [CallbackType.ChannelMessage, CallbackType.DeferredChannelMessage],
    };
    if (!allowed[interaction.type].includes(type)) {
      throw new DiscordHttpError(400, 40043, 'Interaction callback type is not valid for this interaction');
    }
  }
}

/** An edit cannot make a message ephemeral or public: that was decided when it was sent. */
function keepEphemeral(message: StoredMessage, patch: Partial<StoredMessage['versions'][number]>) {
  if (patch.flags === undefined) return patch;
  return {
    ...patch,
    flags: (patch.flags & ~MessageFlag.Ephemeral) | (message.flags & MessageFlag.Ephemeral),
  };
}

function isEmpty(m: StoredMessage): boolean {
  return !m.content && !m.embeds.length && !m.attachments.length && !m.components.length;
}

function validateChoices(value: unknown): Json[] {
  const errors = new FormErrors();
  const choices = Array.isArray(value) ? (value as Json[]) : [];
  if (!Array.isArray(value)) errors.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
  errors.max(['data', 'choices'], choices, 25);
  choices.forEach((choice, i) => {
    errors.length(['data', 'choices', i, 'name'], choice.name, 1, 100);
    const ok =
      typeof choice.value === 'number' || (typeof choice.value === 'string' && choice.value.length <= 100);
    if (!ok)
      errors.add(
        ['data', 'choices', i, 'value'],
        'BASE_TYPE_BAD_VALUE',
        'Must be a string of at most 100 or a number',
      );
  });
  errors.throwIfAny();
  return choices;
}

/** A modal: custom id, title up to 45, 1-5 rows (action rows or labels) each holding one text input. */
function validateModal(data: Json): Json {
  const errors = new FormErrors();
  errors.length(['data', 'custom_id'], data.custom_id, 1, 100);
  errors.length(['data', 'title'], data.title, 1, 45);
  const rows = Array.isArray(data.components) ? (data.components as Json[]) : [];
  if (rows.length === 0)
    errors.add(['data', 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
  errors.max(['data', 'components'], rows, 5);
  rows.forEach((row, r) => {
    const inputs = modalInputs(row);
    if (inputs.length !== 1)
      errors.add(
        ['data', 'components', r],
        'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
        'A modal row holds exactly one input',
      );
    for (const input of inputs) {
      errors.length(['data', 'components', r, 'custom_id'], input.custom_id, 1, 100);
      if (
        input.type === ComponentType.TextInput &&
        typeof input.max_length === 'number' &&
        input.max_length > 4000
      ) {
        errors.add(
          ['data', 'components', r, 'max_length'],
          'NUMBER_TYPE_MAX',
          'int value should be less than or equal to 4000.',
        );
      }
    }
  });
  errors.throwIfAny();
  return data;
}

/** The inputs of a modal row: an action row's children, or a label's one component. */
export function modalInputs(row: Json): Json[] {
  if (row.type === ComponentType.ActionRow) return (row.components as Json[] | undefined) ?? [];
  if (row.type === ComponentType.Label && row.component) return [row.component as Json];
  return [];
}
