// Chat membership in the fake: who is in which chat with which status, and the Bot API methods that
// read it (getChatMember, getChatAdministrators, getChatMemberCount), answered like Telegram does.
import type { Chat, ChatMember, User } from 'grammy/types';

export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

type Params = Record<string, unknown>;

/** What the Bot API methods need from the surrounding fake. */
export interface MembersWorld {
  chat(ref: number | string): { chat: Chat } | undefined;
  user(id: number): User | undefined;
}

export class ApiRefusal extends Error {
  constructor(readonly description: string) {
    super(description);
  }
}

const ADMIN_RIGHTS = {
  can_be_edited: false,
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_send_welcome_messages: false,
};

/** Telegram's ChatMember object for a status (the subset of fields the Bot API always sends). */
export function chatMemberOf(user: User, status: MemberStatus): ChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator':
      return { status, user, ...ADMIN_RIGHTS };
    case 'restricted':
      return {
        status,
        user,
        is_member: true,
        until_date: 0,
        can_send_messages: false,
        can_send_audios: false,
        can_send_documents: false,
        can_send_photos: false,
        can_send_videos: false,
        can_send_video_notes: false,
        can_send_voice_notes: false,
        can_send_polls: false,
        can_send_other_messages: false,
        can_add_web_page_previews: false,
        can_change_info: false,
        can_invite_users: false,
        can_pin_messages: false,
        can_manage_topics: false,
        can_react_to_messages: false,
        can_edit_tag: false,
      };
    case 'kicked':
      return { status, user, until_date: 0 };
    default:
      return { status, user };
  }
}

const chatIdOf = (p: Params): number | string => {
  const ref = p.chat_id;
  if (ref === undefined || ref === null || ref === '') throw new ApiRefusal('chat_id is empty');
  return typeof ref === 'number' ? ref : String(ref);
};

/** Members per chat; a user who writes in a group becomes a member if they were not one. */
export class ChatMembers {
  private readonly byChat = new Map<number, Map<number, MemberStatus>>();

  constructor(private readonly world: MembersWorld) {}

  set(chatId: number, userId: number, status: MemberStatus): void {
    let members = this.byChat.get(chatId);
    if (!members) {
      members = new Map();
      this.byChat.set(chatId, members);
    }
    members.set(userId, status);
  }

  /** A user seen writing in a chat is (at least) a member of it. */
  joined(chatId: number, userId: number): void {
    if (!this.byChat.get(chatId)?.has(userId)) this.set(chatId, userId, 'member');
  }

  status(chatId: number, userId: number): MemberStatus {
    return this.byChat.get(chatId)?.get(userId) ?? 'left';
  }

  private chat(p: Params): Chat {
    const entry = this.world.chat(chatIdOf(p));
    if (!entry) throw new ApiRefusal('chat not found');
    return entry.chat;
  }

  /** Bot API methods, keyed by name, for the fake bot's method table. */
  readonly methods: Record<string, (p: Params) => unknown> = {
    getChatMember: (p) => {
      const chat = this.chat(p);
      const userId = typeof p.user_id === 'number' ? p.user_id : Number(p.user_id);
      const user = Number.isSafeInteger(userId) ? this.world.user(userId) : undefined;
      if (!user) throw new ApiRefusal('user not found');
      if (chat.type === 'private') {
        if (chat.id !== user.id) throw new ApiRefusal('user not found');
        return chatMemberOf(user, 'member');
      }
      return chatMemberOf(user, this.status(chat.id, user.id));
    },
    getChatAdministrators: (p) => {
      const chat = this.chat(p);
      if (chat.type === 'private') throw new ApiRefusal('there are no administrators in the private chat');
      const members = this.byChat.get(chat.id) ?? new Map<number, MemberStatus>();
      return [...members]
        .filter(([, status]) => status === 'creator' || status === 'administrator')
        .flatMap(([id, status]) => {
          const user = this.world.user(id);
          return user ? [chatMemberOf(user, status)] : [];
        });
    },
    getChatMemberCount: (p) => {
      const chat = this.chat(p);
      if (chat.type === 'private') return 2;
      const members = [...(this.byChat.get(chat.id)?.values() ?? [])];
      return members.filter((s) => s !== 'left' && s !== 'kicked').length;
    },
  };
}
