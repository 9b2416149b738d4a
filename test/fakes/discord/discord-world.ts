import { EventEmitter } from 'node:events';
import { discordError } from './discord-errors';
import {
  ALL_PERMISSIONS,
  ChannelType,
  DISCORD_EPOCH,
  EVERYONE_DEFAULT,
  Permission,
  type PermissionName,
  permissionBits,
  UPLOAD_LIMIT_BY_TIER,
} from './discord-protocol';

/** Wall-clock time that a test can move forward (token expiry, CDN link expiry, the 3 s window). */
export class FakeClock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface FakeUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  /** False when the user refuses direct messages from server members (sends answer 50007). */
  acceptsDms: boolean;
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
}

export interface FakeMember {
  userId: string;
  roleIds: string[];
  joinedAt: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  /** 0-3; decides the upload limit. */
  premiumTier: number;
  roles: Map<string, FakeRole>;
  members: Map<string, FakeMember>;
}

/** What the bot may do in a channel: everything, read but not write, or not even see it. */
export type BotAccess = 'full' | 'read-only' | 'none';

export interface FakeChannel {
  id: string;
  type: (typeof ChannelType)[keyof typeof ChannelType];
  guildId: string | null;
  name: string | null;
  /** Age-restricted channel. */
  nsfw: boolean;
  /** For DM channels: the user on the other side of the bot. */
  recipientId: string | null;
  botAccess: BotAccess;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  size: number;
  contentType: string | undefined;
  description: string | undefined;
  url: string;
  proxyUrl: string;
  width: number | undefined;
  height: number | undefined;
  bytes: Buffer;
}

export interface MessageContent {
  content: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  attachments: StoredAttachment[];
  flags: number;
  mentions: string[];
}

/** One message in a channel, with every version it went through (the first is what was posted). */
export interface StoredMessage extends MessageContent {
  id: string;
  channelId: string;
  authorId: string;
  type: number;
  createdAt: number;
  editedAt: number | null;
  /** Set on interaction responses and follow-ups (they are sent through the application's webhook). */
  webhookId: string | null;
  interaction: { id: string; type: number; userId: string; name?: string } | null;
  /** Ephemeral messages exist only for this user. */
  visibleTo: string | null;
  deleted: boolean;
  versions: MessageContent[];
}

/**
 * The fake's world: users, guilds with roles and members, channels and their messages. Every change
 * emits `change`, which `waitFor` listens to (no polling timers).
 */
export class DiscordWorld extends EventEmitter {
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  private readonly messages = new Map<string, StoredMessage[]>();
  private increment = 0n;

  constructor(readonly clock: FakeClock) {
    super();
    this.setMaxListeners(0);
  }

  /** A real snowflake (timestamp, worker, increment), so clients derive creation times from ids. */
  snowflake(): string {
    const ms = BigInt(this.clock.now()) - DISCORD_EPOCH;
    this.increment = (this.increment + 1n) & 0xfffn;
    return ((ms << 22n) | (1n << 17n) | this.increment).toString();
  }

  changed(): void {
    this.emit('change');
  }

  createUser(init: { username: string; globalName?: string; bot?: boolean; acceptsDms?: boolean }): FakeUser {
    const user: FakeUser = {
      id: this.snowflake(),
      username: init.username,
      globalName: init.globalName ?? null,
      bot: init.bot ?? false,
      acceptsDms: init.acceptsDms ?? true,
    };
    this.users.set(user.id, user);
    return user;
  }

  user(id: string): FakeUser {
    const user = this.users.get(id);
    if (!user) throw discordError.unknownUser();
    return user;
  }

  createGuild(init: { name: string; owner: FakeUser; premiumTier?: number }): FakeGuild {
    const id = this.snowflake();
    const everyone: FakeRole = { id, name: '@everyone', permissions: EVERYONE_DEFAULT };
    const guild: FakeGuild = {
      id,
      name: init.name,
      ownerId: init.owner.id,
      premiumTier: init.premiumTier ?? 0,
      roles: new Map([[id, everyone]]),
      members: new Map(),
    };
    this.guilds.set(id, guild);
    this.addMember(guild, init.owner);
    return guild;
  }

  guild(id: string): FakeGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw discordError.unknownGuild();
    return guild;
  }

  createRole(guild: FakeGuild, name: string, permissions: readonly PermissionName[]): FakeRole {
    const role: FakeRole = { id: this.snowflake(), name, permissions: permissionBits(permissions) };
    guild.roles.set(role.id, role);
    return role;
  }

  addMember(guild: FakeGuild, user: FakeUser, roles: readonly FakeRole[] = []): FakeMember {
    const member: FakeMember = {
      userId: user.id,
      roleIds: roles.map((r) => r.id),
      joinedAt: new Date(this.clock.now()).toISOString(),
    };
    guild.members.set(user.id, member);
    this.changed();
    return member;
  }

  /** Guild-level permissions (no channel overwrites are modelled): the owner and administrators get all. */
  permissions(guild: FakeGuild, userId: string): bigint {
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const member = guild.members.get(userId);
    if (!member) return 0n;
    let bits = guild.roles.get(guild.id)?.permissions ?? 0n;
    for (const roleId of member.roleIds) bits |= guild.roles.get(roleId)?.permissions ?? 0n;
    return bits & Permission.Administrator ? ALL_PERMISSIONS : bits;
  }

  createTextChannel(
    guild: FakeGuild,
    init: { name: string; nsfw?: boolean; botAccess?: BotAccess },
  ): FakeChannel {
    const channel: FakeChannel = {
      id: this.snowflake(),
      type: ChannelType.GuildText,
      guildId: guild.id,
      name: init.name,
      nsfw: init.nsfw ?? false,
      recipientId: null,
      botAccess: init.botAccess ?? 'full',
    };
    this.channels.set(channel.id, channel);
    this.changed();
    return channel;
  }

  /** The DM channel between the bot and a user (one per user, as on Discord). */
  dmChannel(user: FakeUser): FakeChannel {
    for (const channel of this.channels.values()) {
      if (channel.type === ChannelType.DM && channel.recipientId === user.id) return channel;
    }
    const channel: FakeChannel = {
      id: this.snowflake(),
      type: ChannelType.DM,
      guildId: null,
      name: null,
      nsfw: false,
      recipientId: user.id,
      botAccess: 'full',
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  channel(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw discordError.unknownChannel();
    return channel;
  }

  uploadLimit(channel: FakeChannel): number {
    const tier = channel.guildId ? this.guild(channel.guildId).premiumTier : 0;
    return UPLOAD_LIMIT_BY_TIER[tier] ?? UPLOAD_LIMIT_BY_TIER[0]!;
  }

  addMessage(message: Omit<StoredMessage, 'versions' | 'deleted' | 'editedAt' | 'createdAt'>): StoredMessage {
    const stored: StoredMessage = {
      ...message,
      createdAt: this.clock.now(),
      editedAt: null,
      deleted: false,
      versions: [snapshot(message)],
    };
    const list = this.messages.get(message.channelId) ?? [];
    list.push(stored);
    this.messages.set(message.channelId, list);
    this.changed();
    return stored;
  }

  editMessage(message: StoredMessage, patch: Partial<MessageContent>): StoredMessage {
    Object.assign(message, patch);
    message.editedAt = this.clock.now();
    message.versions.push(snapshot(message));
    this.changed();
    return message;
  }

  deleteMessage(message: StoredMessage): void {
    message.deleted = true;
    this.changed();
  }

  message(channelId: string, messageId: string): StoredMessage {
    const found = this.messages.get(channelId)?.find((m) => m.id === messageId && !m.deleted);
    if (!found) throw discordError.unknownMessage();
    return found;
  }

  /** Every message ever posted in a channel, oldest first, deleted ones included (check `deleted`). */
  allMessages(channelId: string): readonly StoredMessage[] {
    return this.messages.get(channelId) ?? [];
  }
}

function snapshot(m: MessageContent): MessageContent {
  return {
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    attachments: m.attachments,
    flags: m.flags,
    mentions: m.mentions,
  };
}
