import type { Api } from 'grammy';
import type { Chat, Message, User } from 'grammy/types';
import type { Actor, Attachment, ChatTarget } from '../kit/kit.types';

/** The person: their Telegram id, and a display name. */
function nameOf(user: User): string {
  return user.username ? `@${user.username}` : [user.first_name, user.last_name].filter(Boolean).join(' ');
}

/** Groups are spaces (kind 'group', id = chat id); a private chat is the user's own (kind 'dm'). */
export function actorOf(user: User, chat: Chat): Actor {
  const direct = chat.type === 'private';
  return {
    userId: String(user.id),
    userName: nameOf(user),
    space: direct
      ? { id: String(chat.id), kind: 'dm', name: `Telegram chat with ${nameOf(user)}` }
      : {
          id: String(chat.id),
          kind: 'group',
          name: 'title' in chat && chat.title ? chat.title : `Telegram group ${chat.id}`,
        },
  };
}

export function chatOf(
  chat: Chat,
  message?: Pick<Message, 'is_topic_message' | 'message_thread_id'>,
): ChatTarget {
  return {
    chatId: String(chat.id),
    direct: chat.type === 'private',
    ...(message?.is_topic_message && message.message_thread_id
      ? { threadId: String(message.message_thread_id) }
      : {}),
  };
}

/** Builds the file URL core downloads (api.telegram.org, or TELEGRAM_API_ROOT's host: both allow-listed by core). */
export function fileUrlResolver(api: Api, token: string, apiRoot: string) {
  return async (fileId: string): Promise<string> => {
    const file = await api.getFile(fileId);
    if (!file.file_path) throw new Error('Telegram returned no file path');
    return `${apiRoot.replace(/\/+$/, '')}/file/bot${token}/${file.file_path}`;
  };
}

type Resolve = (fileId: string) => Promise<string>;

const KIND_BY_MIME: Record<string, Attachment['kind']> = { image: 'image', video: 'video', audio: 'audio' };

/** The file a message carries, as a kit attachment: the largest photo size, or an image/video/audio document. */
export function attachmentOf(message: Message, resolve: Resolve): Attachment | null {
  const largest = message.photo?.at(-1);
  if (largest) return { kind: 'image', url: () => resolve(largest.file_id) };
  const document = message.document;
  const kind = document?.mime_type ? KIND_BY_MIME[document.mime_type.split('/')[0] ?? ''] : undefined;
  if (document && kind) {
    return {
      kind,
      ...(document.file_name ? { filename: document.file_name } : {}),
      url: () => resolve(document.file_id),
    };
  }
  const media = message.video ?? message.audio ?? message.voice;
  if (media) {
    return { kind: message.video ? 'video' : 'audio', url: () => resolve(media.file_id) };
  }
  return null;
}

/** A command's input files: its own, else those of the message it replies to. */
export function attachmentsOf(message: Message, resolve: Resolve): Attachment[] {
  const own = attachmentOf(message, resolve);
  if (own) return [own];
  const replied = message.reply_to_message ? attachmentOf(message.reply_to_message, resolve) : null;
  return replied ? [replied] : [];
}
