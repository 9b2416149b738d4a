import {
  type Client,
  GuildPremiumTier,
  InteractionWebhook,
  type Message,
  MessageFlags,
  type Snowflake,
} from 'discord.js';
import {
  ChatPlatformError,
  type ChatSink,
  type ChatTarget,
  type KitLogger,
  type MessageRef,
} from '../kit/kit.types';
import type { Reply } from '../kit/reply';
import { discordCall } from './discord-platform-error';

/** The token's webhook is gone (expired early by Discord's clock, or unknown): use the channel instead. */
const tokenGone = (error: unknown) =>
  error instanceof ChatPlatformError && / \((50027|10015)\)$/.test(error.message);

import { type DiscordPayload, type RenderOptions, renderReply } from './discord-render';

/** An interaction token lives 15 minutes; its webhook edits the messages it answered with. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
const MIB = 1024 * 1024;
/** Per-file upload limits by server boost tier; DMs take 10 MiB. */
const UPLOAD_LIMIT: Record<GuildPremiumTier, number> = {
  [GuildPremiumTier.None]: 10 * MIB,
  [GuildPremiumTier.Tier1]: 10 * MIB,
  [GuildPremiumTier.Tier2]: 50 * MIB,
  [GuildPremiumTier.Tier3]: 100 * MIB,
};

/** A message answered through an interaction, editable with its token until `expiresAt`. */
interface TokenMessage {
  webhook: InteractionWebhook;
  /** '@original' or the follow-up's id. */
  target: string;
  expiresAt: number;
  /** Who ran the interaction (mentioned when a late result is posted to the channel). */
  userId: string;
}

/**
 * Discord's outgoing side for the kit: posts and edits in channels and DMs, and remembers which
 * messages answered an interaction so they are edited through its token while it lives (that needs
 * no channel permission, and is the only way to edit an ephemeral message). Deliveries use it as
 * their ChatSink.
 */
export class DiscordMessenger implements ChatSink {
  private readonly tokens = new Map<Snowflake, TokenMessage>();

  constructor(
    private readonly client: Client<true>,
    private readonly logger: KitLogger,
  ) {}

  /** Remembers that `message` answered an interaction (called for every reply made with a token). */
  rememberAnswer(
    message: Pick<Message, 'id'>,
    interaction: { token: string; createdTimestamp: number; channelId: string; user: { id: string } },
    original: boolean,
  ): MessageRef & { editableUntil: number } {
    const expiresAt = interaction.createdTimestamp + TOKEN_LIFETIME_MS;
    this.forgetExpired();
    this.tokens.set(message.id, {
      webhook: new InteractionWebhook(this.client, this.client.application.id, interaction.token),
      target: original ? '@original' : message.id,
      expiresAt,
      userId: interaction.user.id,
    });
    return { chatId: interaction.channelId, messageId: message.id, editableUntil: expiresAt };
  }

  async render(reply: Reply, channelId: string, opts: Partial<RenderOptions> = {}): Promise<DiscordPayload> {
    const channel = this.client.channels.cache.get(channelId);
    const ageRestricted = channel !== undefined && 'nsfw' in channel && channel.nsfw === true;
    return renderReply(reply, {
      uploadLimit: opts.uploadLimit ?? this.uploadLimit(channelId),
      ageRestricted,
      ...opts,
    });
  }

  async send(target: ChatTarget, reply: Reply, opts: { replyTo?: string } = {}): Promise<MessageRef> {
    const answered = opts.replyTo ? this.live(opts.replyTo) : undefined;
    if (answered) {
      // Within the interaction's window the result follows up on it: no channel permission needed.
      const payload = await this.render(reply, target.chatId);
      const flags = reply.visibility === 'ephemeral' ? MessageFlags.Ephemeral : undefined;
      try {
        const message = await discordCall('follow-up', () =>
          answered.webhook.send({ ...payload, ...(flags ? { flags } : {}) }),
        );
        this.tokens.set(message.id, { ...answered, target: message.id });
        return { chatId: target.chatId, messageId: message.id, editableUntil: answered.expiresAt };
      } catch (error) {
        if (!tokenGone(error)) throw error;
        this.tokens.delete(opts.replyTo!);
      }
    }
    // Later, the result goes to the channel as a reply to the progress message, pinging the asker.
    const mention = opts.replyTo ? await this.askerOf(target.chatId, opts.replyTo) : undefined;
    const payload = await this.render(reply, target.chatId, mention ? { mention } : {});
    const channel = await discordCall('fetching the channel', () =>
      this.client.channels.fetch(target.chatId),
    );
    if (!channel?.isSendable())
      throw new ChatPlatformError(`channel ${target.chatId} takes no messages`, true);
    const message = await discordCall<Message>('posting to the channel', () =>
      channel.send({
        ...payload,
        ...(opts.replyTo ? { reply: { messageReference: opts.replyTo, failIfNotExists: false } } : {}),
      }),
    );
    return { chatId: target.chatId, messageId: message.id };
  }

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const answered = this.live(ref.messageId);
    const payload = await this.render(reply, ref.chatId);
    if (answered) {
      try {
        await discordCall('editing the answer', () => answered.webhook.editMessage(answered.target, payload));
        return;
      } catch (error) {
        if (!tokenGone(error)) throw error;
        this.tokens.delete(ref.messageId);
      }
    }
    // After the token: the bot's own public messages stay editable through the channel.
    const channel = await discordCall('fetching the channel', () => this.client.channels.fetch(ref.chatId));
    if (!channel?.isTextBased()) throw new ChatPlatformError(`channel ${ref.chatId} has no messages`, true);
    await discordCall('editing the message', () => channel.messages.edit(ref.messageId, payload));
  }

  async directChat(platformUserId: string): Promise<ChatTarget | null> {
    try {
      const user = await this.client.users.fetch(platformUserId);
      const dm = await user.createDM();
      return { chatId: dm.id, direct: true };
    } catch (error) {
      this.logger.warn('discord: cannot open a DM', { userId: platformUserId, error: String(error) });
      return null;
    }
  }

  /** Bytes a file may have in this channel (the server's boost tier; 10 MiB in DMs). */
  uploadLimit(channelId: string): number {
    const channel = this.client.channels.cache.get(channelId);
    const guild = channel && 'guild' in channel ? channel.guild : null;
    return guild ? UPLOAD_LIMIT[guild.premiumTier] : UPLOAD_LIMIT[GuildPremiumTier.None];
  }

  private live(messageId: string): TokenMessage | undefined {
    const entry = this.tokens.get(messageId);
    if (!entry) return undefined;
    // A little margin: an edit sent in the last seconds of a token may arrive after it.
    if (Date.now() < entry.expiresAt - 5_000) return entry;
    this.tokens.delete(messageId);
    return undefined;
  }

  /** Who ran the interaction a message answered: known while its token lives, else asked of Discord. */
  private async askerOf(channelId: string, messageId: string): Promise<string | undefined> {
    const known = this.tokens.get(messageId)?.userId;
    if (known) return known;
    try {
      const channel = await this.client.channels.fetch(channelId);
      if (!channel?.isTextBased()) return undefined;
      const message = await channel.messages.fetch(messageId);
      return message.interactionMetadata?.user.id;
    } catch {
      return undefined;
    }
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [id, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(id);
  }
}
