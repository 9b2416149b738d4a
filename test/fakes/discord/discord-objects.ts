// The JSON objects Discord puts on the wire for the fake's state (user, member, channel, guild, message).
import { ChannelType } from './discord-protocol';
import type {
  DiscordWorld,
  FakeChannel,
  FakeGuild,
  FakeRole,
  FakeUser,
  StoredAttachment,
  StoredMessage,
} from './discord-world';

type Json = Record<string, unknown>;

export function userObject(user: FakeUser): Json {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName,
    avatar: null,
    bot: user.bot || undefined,
    public_flags: 0,
  };
}

export function roleObject(role: FakeRole, position = 1): Json {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    hoist: false,
    position,
    permissions: role.permissions.toString(),
    managed: false,
    mentionable: false,
    flags: 0,
  };
}

export function memberObject(world: DiscordWorld, guild: FakeGuild, userId: string, withUser = true): Json {
  const member = guild.members.get(userId);
  return {
    ...(withUser ? { user: userObject(world.user(userId)) } : {}),
    roles: member?.roleIds ?? [],
    joined_at: member?.joinedAt ?? new Date(0).toISOString(),
    nick: null,
    avatar: null,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
  };
}

export function channelObject(world: DiscordWorld, channel: FakeChannel): Json {
  if (channel.type === ChannelType.DM) {
    const recipient = channel.recipientId ? world.users.get(channel.recipientId) : undefined;
    return {
      id: channel.id,
      type: channel.type,
      last_message_id: null,
      flags: 0,
      recipients: recipient ? [userObject(recipient)] : [],
    };
  }
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: 0,
    parent_id: null,
    topic: null,
    nsfw: channel.nsfw,
    rate_limit_per_user: 0,
    last_message_id: null,
    permission_overwrites: [],
    flags: 0,
  };
}

/** The GUILD_CREATE payload: the guild with its roles, channels and (only) the bot's own member. */
export function guildCreateObject(world: DiscordWorld, guild: FakeGuild, botUserId: string): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map((role, position) => roleObject(role, position)),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: guild.premiumTier,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: guild.members.get(botUserId)?.joinedAt,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    members: guild.members.has(botUserId) ? [memberObject(world, guild, botUserId)] : [],
    channels: [...world.channels.values()]
      .filter((c) => c.guildId === guild.id && c.botAccess !== 'none')
      .map((c) => {
        const { guild_id: _, ...rest } = channelObject(world, c);
        return rest;
      }),
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function attachmentObject(a: StoredAttachment, ephemeral = false): Json {
  return {
    id: a.id,
    filename: a.filename,
    size: a.size,
    url: a.url,
    proxy_url: a.proxyUrl,
    ...(a.contentType ? { content_type: a.contentType } : {}),
    ...(a.description ? { description: a.description } : {}),
    ...(a.width !== undefined ? { width: a.width, height: a.height } : {}),
    ...(ephemeral ? { ephemeral: true } : {}),
  };
}

export function messageObject(world: DiscordWorld, m: StoredMessage): Json {
  const channel = world.channels.get(m.channelId);
  return {
    id: m.id,
    channel_id: m.channelId,
    ...(channel?.guildId ? { guild_id: channel.guildId } : {}),
    author: userObject(world.user(m.authorId)),
    content: m.content,
    timestamp: new Date(m.createdAt).toISOString(),
    edited_timestamp: m.editedAt === null ? null : new Date(m.editedAt).toISOString(),
    tts: false,
    mention_everyone: false,
    mentions: m.mentions.flatMap((id) => {
      const user = world.users.get(id);
      return user ? [userObject(user)] : [];
    }),
    mention_roles: [],
    attachments: m.attachments.map((a) => attachmentObject(a)),
    embeds: m.embeds,
    components: m.components,
    pinned: false,
    type: m.type,
    flags: m.flags,
    ...(m.webhookId ? { webhook_id: m.webhookId, application_id: m.webhookId } : {}),
    ...(m.interaction
      ? {
          interaction_metadata: {
            id: m.interaction.id,
            type: m.interaction.type,
            user: userObject(world.user(m.interaction.userId)),
            authorizing_integration_owners: {},
          },
        }
      : {}),
  };
}
