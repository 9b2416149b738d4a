// Numbers of the Discord API v10 wire protocol, written out here rather than imported from discord.js,
// so the fake states the protocol independently of the client it is tested against.

export const API_VERSION = 10;
export const DISCORD_EPOCH = 1_420_070_400_000n;

/** An interaction must be answered within 3 s of its creation. */
export const INTERACTION_ACK_WINDOW_MS = 3_000;
/** Its token (webhook edits, follow-ups) lives 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
/** Free guilds and DMs: 10 MiB per file; boosted guilds get more (tier 2: 50 MiB, tier 3: 100 MiB). */
export const UPLOAD_LIMIT_BY_TIER = [10, 10, 50, 100].map((mib) => mib * 1024 * 1024) as readonly number[];

export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export const GatewayClose = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  InvalidSeq: 4007,
  SessionTimedOut: 4009,
  InvalidShard: 4010,
  InvalidApiVersion: 4012,
  InvalidIntents: 4013,
  DisallowedIntents: 4014,
} as const;

export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;
/** Intents an application must switch on in the developer portal before it may identify with them. */
export const PRIVILEGED_INTENTS = Intent.GuildMembers | Intent.GuildPresences | Intent.MessageContent;
const ALL_INTENTS = (1 << 26) - 1;
export const isKnownIntentSet = (intents: number): boolean => (intents & ~ALL_INTENTS) === 0;

export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  MessageComponent: 3,
  Autocomplete: 4,
  ModalSubmit: 5,
} as const;
export type InteractionTypeValue = (typeof InteractionType)[keyof typeof InteractionType];

export const CallbackType = {
  Pong: 1,
  ChannelMessage: 4,
  DeferredChannelMessage: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
} as const;
export type CallbackTypeValue = (typeof CallbackType)[keyof typeof CallbackType];

export const CommandType = { ChatInput: 1, User: 2, Message: 3 } as const;
export type CommandTypeValue = (typeof CommandType)[keyof typeof CommandType];

export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

export const ComponentType = {
  ActionRow: 1,
  Button: 2,
  StringSelect: 3,
  TextInput: 4,
  Label: 18,
} as const;

export const ButtonStyle = { Primary: 1, Secondary: 2, Success: 3, Danger: 4, Link: 5, Premium: 6 } as const;

export const ChannelType = { GuildText: 0, DM: 1 } as const;

export const MessageType = { Default: 0, Reply: 19, ChatInputCommand: 20, ContextMenuCommand: 23 } as const;

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
} as const;
/** Flags a bot may set when it sends a message; the others are Discord's to set. */
export const SETTABLE_MESSAGE_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.SuppressNotifications;

export const Permission = {
  CreateInstantInvite: 1n << 0n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  UseApplicationCommands: 1n << 31n,
} as const;
export type PermissionName = keyof typeof Permission;
export const ALL_PERMISSIONS = (1n << 50n) - 1n;
/** What @everyone may do in a fresh guild (a subset of Discord's default, enough for chat and commands). */
export const EVERYONE_DEFAULT =
  Permission.CreateInstantInvite |
  Permission.AddReactions |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.UseApplicationCommands;

export const permissionBits = (names: readonly PermissionName[]): bigint =>
  names.reduce((bits, name) => bits | Permission[name], 0n);

/** Interaction contexts (where a command was used) and installation owners. */
export const InteractionContext = { Guild: 0, BotDM: 1 } as const;
export const IntegrationOwner = { Guild: 0, User: 1 } as const;
