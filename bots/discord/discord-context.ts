import {
  type Attachment as DiscordAttachment,
  type Interaction,
  type Message,
  MessageFlags,
  PermissionFlagsBits,
  type RepliableInteraction,
} from 'discord.js';
import type { Actor, Attachment, ChatTarget, CommandContext, FileKind, MessageRef } from '../kit/kit.types';
import { DISCORD_TRAITS } from '../kit/platform-traits';
import type { ActionRow, Reply, Visibility } from '../kit/reply';
import type { DiscordMessenger } from './discord-messenger';
import { discordCall } from './discord-platform-error';
import { components, noticeText } from './discord-render';

/** A guild is a space; a DM is the user's own. */
export function actorOf(interaction: Interaction): Actor {
  const user = interaction.user;
  const userName = user.globalName ?? user.username;
  const space = interaction.guildId
    ? {
        id: interaction.guildId,
        kind: 'guild' as const,
        name: interaction.guild?.name ?? `Discord server ${interaction.guildId}`,
      }
    : { id: interaction.channelId ?? user.id, kind: 'dm' as const, name: `Discord DM with ${user.username}` };
  return { userId: user.id, userName, space };
}

export function chatOf(interaction: Interaction): ChatTarget {
  return { chatId: interaction.channelId ?? '', direct: !interaction.guildId };
}

const KINDS: readonly FileKind[] = ['image', 'video', 'audio'];

/** A Discord attachment as the kit's: kind from its content type (images when Discord did not say). */
export function attachmentOf(file: Pick<DiscordAttachment, 'url' | 'name' | 'contentType'>): Attachment {
  const kind = KINDS.find((k) => file.contentType?.startsWith(`${k}/`)) ?? 'image';
  return { kind, filename: file.name, url: () => Promise.resolve(file.url) };
}

/** How the interaction was acknowledged: a deferred reply with its visibility, or a deferred update. */
export type Acknowledgement = { kind: 'reply'; visibility: Visibility } | { kind: 'update' };

/**
 * A context without an interaction token (autocomplete cannot answer with messages): replies and
 * notices are posted in the channel, as a command typed there would be answered.
 */
export function channelContext(messenger: DiscordMessenger, interaction: Interaction): CommandContext {
  const chat = chatOf(interaction);
  return {
    actor: actorOf(interaction),
    chat,
    traits: DISCORD_TRAITS,
    requestKey: `discord:interaction:${interaction.id}`,
    reply: (r) => messenger.send(chat, r),
    edit: (ref, r) => messenger.edit(ref, r),
    post: (r) => messenger.send(chat, r),
    async notify(text) {
      await messenger.send(chat, { text: [text] });
    },
    async sendPrivate(r) {
      const dm = await messenger.directChat(interaction.user.id);
      return dm ? messenger.send(dm, r).catch(() => null) : null;
    },
    isSpaceAdmin: () =>
      Promise.resolve(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false),
  };
}

/**
 * The kit's context for one acknowledged interaction. The first reply fills the deferred answer
 * (unless it must be ephemeral and the answer is public: then the answer is deleted and the reply
 * follows up privately); later replies follow up. Everything answered with the token is editable
 * through it for 15 minutes.
 */
export function interactionContext(
  messenger: DiscordMessenger,
  interaction: RepliableInteraction,
  ack: Acknowledgement,
): CommandContext {
  const chat = chatOf(interaction);
  let answered = false;
  const uploadLimit = interaction.attachmentSizeLimit ?? messenger.uploadLimit(chat.chatId);
  const remember = (message: Message, original: boolean): MessageRef =>
    messenger.rememberAnswer(
      message,
      {
        token: interaction.token,
        createdTimestamp: interaction.createdTimestamp,
        channelId: chat.chatId,
        user: interaction.user,
      },
      original,
    );

  const followUp = async (reply: Reply): Promise<MessageRef> => {
    const payload = await messenger.render(reply, chat.chatId, { uploadLimit });
    const ephemeral = reply.visibility === 'ephemeral';
    const message = await discordCall('follow-up', () =>
      interaction.followUp({ ...payload, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) }),
    );
    return remember(message, false);
  };

  async function reply(r: Reply): Promise<MessageRef> {
    if (ack.kind === 'update' || answered) return followUp(r);
    answered = true;
    if (ack.visibility === 'public' && r.visibility === 'ephemeral') {
      // Visibility is fixed when deferring: a private answer to a public command replaces it.
      await discordCall('deleting the answer', () => interaction.deleteReply());
      return followUp(r);
    }
    const payload = await messenger.render(r, chat.chatId, { uploadLimit });
    const message = await discordCall('answering', () => interaction.editReply(payload));
    return remember(message, true);
  }

  return {
    actor: actorOf(interaction),
    chat,
    traits: DISCORD_TRAITS,
    requestKey: `discord:interaction:${interaction.id}`,
    reply,
    edit: (ref, r) => messenger.edit(ref, r),
    post: (r) => messenger.send(chat, r),
    async notify(text) {
      // Before the deferred answer is filled, a follow-up would fill it (with its visibility).
      if (ack.kind === 'reply' && !answered) {
        await reply({ text: [text], visibility: 'ephemeral' });
        return;
      }
      await discordCall('notice', () =>
        interaction.followUp({
          content: noticeText(text),
          flags: MessageFlags.Ephemeral,
          allowedMentions: { parse: [] },
        }),
      );
    },
    ...(ack.kind === 'update'
      ? {
          async updateSource(actions: ActionRow[]) {
            await discordCall('updating the message', () =>
              interaction.editReply({ components: components(actions) }),
            );
          },
        }
      : {}),
    async sendPrivate(r) {
      const dm = await messenger.directChat(interaction.user.id);
      if (!dm) return null;
      try {
        return await messenger.send(dm, r);
      } catch {
        return null;
      }
    },
    isSpaceAdmin: () =>
      Promise.resolve(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false),
  };
}
