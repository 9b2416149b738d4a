// The REST routes the fake serves, grouped by area. Each handler validates like Discord and changes
// the world; the HTTP details (auth, buckets, envelopes) live in discord-rest.ts.
import type { DiscordCdn } from './discord-cdn';
import { type CommandRegistry, commandObject } from './discord-commands';
import { discordError } from './discord-errors';
import type { InteractionStore } from './discord-interactions';
import { parseMessagePatch, parseNewMessage } from './discord-message-payload';
import { channelObject, memberObject, messageObject, userObject } from './discord-objects';
import { ChannelType, Intent, MessageType, SETTABLE_MESSAGE_FLAGS } from './discord-protocol';
import { asObject, type RestRequest, type RouteDef } from './discord-rest';
import type { DiscordWorld, FakeChannel, FakeUser } from './discord-world';

export interface RouteContext {
  world: DiscordWorld;
  cdn: DiscordCdn;
  commands: CommandRegistry;
  interactions: InteractionStore;
  applicationId: string;
  bot: FakeUser;
  /** Privileged intents switched on for the application in the developer portal. */
  privilegedIntents: number;
  gatewayUrl(): string;
  /** Identifies left today (session_start_limit.remaining). */
  identifiesLeft(): number;
  recommendedShards: number;
  maxConcurrency: number;
}

const json = (body: unknown, status = 200) => ({ status, body });
const noContent = () => ({ status: 204 });

export function discordRoutes(ctx: RouteContext): RouteDef[] {
  return [...applicationRoutes(ctx), ...channelRoutes(ctx), ...interactionRoutes(ctx)];
}

function applicationRoutes(ctx: RouteContext): RouteDef[] {
  const app = (req: RestRequest) => {
    if (req.params.applicationId !== ctx.applicationId) throw discordError.unknownApplication();
  };
  const guildScope = (req: RestRequest) => {
    app(req);
    const guild = ctx.world.guild(req.params.guildId!);
    if (!guild.members.has(ctx.bot.id)) throw discordError.missingAccess();
    return guild.id;
  };
  return [
    {
      method: 'GET',
      path: '/gateway/bot',
      auth: 'bot',
      handle: () =>
        json({
          url: ctx.gatewayUrl(),
          shards: ctx.recommendedShards,
          session_start_limit: {
            total: 1000,
            remaining: ctx.identifiesLeft(),
            reset_after: 86_400_000,
            max_concurrency: ctx.maxConcurrency,
          },
        }),
    },
    { method: 'GET', path: '/gateway', auth: 'none', handle: () => json({ url: ctx.gatewayUrl() }) },
    { method: 'GET', path: '/users/@me', auth: 'bot', handle: () => json(userObject(ctx.bot)) },
    {
      method: 'GET',
      path: '/users/:userId',
      auth: 'bot',
      handle: (req) => json(userObject(ctx.world.user(req.params.userId!))),
    },
    {
      method: 'GET',
      path: '/applications/@me',
      auth: 'bot',
      handle: () =>
        json({
          id: ctx.applicationId,
          name: ctx.bot.username,
          icon: null,
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: privilegedFlags(ctx.privilegedIntents),
          bot: userObject(ctx.bot),
        }),
    },
    {
      method: 'GET',
      path: '/applications/:applicationId/commands',
      auth: 'bot',
      handle: (req) => {
        app(req);
        return json(ctx.commands.list(null).map(commandObject));
      },
    },
    {
      method: 'PUT',
      path: '/applications/:applicationId/commands',
      auth: 'bot',
      handle: (req) => {
        app(req);
        return json(ctx.commands.overwrite(null, req.body).map(commandObject));
      },
    },
    {
      method: 'GET',
      path: '/applications/:applicationId/guilds/:guildId/commands',
      auth: 'bot',
      handle: (req) => json(ctx.commands.list(guildScope(req)).map(commandObject)),
    },
    {
      method: 'PUT',
      path: '/applications/:applicationId/guilds/:guildId/commands',
      auth: 'bot',
      handle: (req) => json(ctx.commands.overwrite(guildScope(req), req.body).map(commandObject)),
    },
    {
      method: 'GET',
      path: '/guilds/:guildId/members/:userId',
      auth: 'bot',
      handle: (req) => {
        const guild = ctx.world.guild(req.params.guildId!);
        if (!guild.members.has(ctx.bot.id)) throw discordError.missingAccess();
        if (!guild.members.has(req.params.userId!)) throw discordError.unknownUser();
        return json(memberObject(ctx.world, guild, req.params.userId!));
      },
    },
  ];
}

function channelRoutes(ctx: RouteContext): RouteDef[] {
  const visible = (req: RestRequest): FakeChannel => {
    const channel = ctx.world.channel(req.params.channelId!);
    if (
      channel.guildId &&
      (!ctx.world.guild(channel.guildId).members.has(ctx.bot.id) || channel.botAccess === 'none')
    ) {
      throw discordError.missingAccess();
    }
    return channel;
  };
  const ownMessage = (req: RestRequest) => {
    const channel = visible(req);
    const message = ctx.world.message(channel.id, req.params.messageId!);
    if (message.visibleTo) throw discordError.unknownMessage();
    return { channel, message };
  };
  return [
    {
      method: 'GET',
      path: '/channels/:channelId',
      auth: 'bot',
      handle: (req) => json(channelObject(ctx.world, visible(req))),
    },
    {
      method: 'POST',
      path: '/channels/:channelId/messages',
      auth: 'bot',
      handle: (req) => {
        const channel = visible(req);
        if (channel.botAccess === 'read-only') throw discordError.missingPermissions();
        if (channel.type === ChannelType.DM && !ctx.world.user(channel.recipientId!).acceptsDms)
          throw discordError.cannotMessageUser();
        const content = parseNewMessage(asObject(req.body), req.files, {
          channelId: channel.id,
          uploadLimit: ctx.world.uploadLimit(channel),
          cdn: ctx.cdn,
          snowflake: () => ctx.world.snowflake(),
          allowedFlags: SETTABLE_MESSAGE_FLAGS,
        });
        const message = ctx.world.addMessage({
          ...content,
          id: ctx.world.snowflake(),
          channelId: channel.id,
          authorId: ctx.bot.id,
          type: asObject(req.body).message_reference ? MessageType.Reply : MessageType.Default,
          webhookId: null,
          interaction: null,
          visibleTo: null,
        });
        return json(messageObject(ctx.world, message));
      },
    },
    {
      method: 'GET',
      path: '/channels/:channelId/messages/:messageId',
      auth: 'bot',
      handle: (req) => json(messageObject(ctx.world, ownMessage(req).message)),
    },
    {
      method: 'PATCH',
      path: '/channels/:channelId/messages/:messageId',
      auth: 'bot',
      handle: (req) => {
        const { channel, message } = ownMessage(req);
        if (message.authorId !== ctx.bot.id) throw discordError.cannotEditOthers();
        const patch = parseMessagePatch(
          asObject(req.body),
          req.files,
          {
            channelId: channel.id,
            uploadLimit: ctx.world.uploadLimit(channel),
            cdn: ctx.cdn,
            snowflake: () => ctx.world.snowflake(),
            allowedFlags: SETTABLE_MESSAGE_FLAGS,
          },
          message,
        );
        return json(messageObject(ctx.world, ctx.world.editMessage(message, patch)));
      },
    },
    {
      method: 'DELETE',
      path: '/channels/:channelId/messages/:messageId',
      auth: 'bot',
      handle: (req) => {
        const { message } = ownMessage(req);
        if (message.authorId !== ctx.bot.id) throw discordError.missingPermissions();
        ctx.world.deleteMessage(message);
        return noContent();
      },
    },
    {
      method: 'POST',
      path: '/users/@me/channels',
      auth: 'bot',
      handle: (req) => {
        const recipient = ctx.world.user(String(asObject(req.body).recipient_id ?? ''));
        return json(channelObject(ctx.world, ctx.world.dmChannel(recipient)));
      },
    },
  ];
}

function interactionRoutes(ctx: RouteContext): RouteDef[] {
  const hook = (req: RestRequest) => ctx.interactions.byWebhook(req.params.applicationId!, req.params.token!);
  const view = (m: Parameters<typeof messageObject>[1]) => messageObject(ctx.world, m);
  return [
    {
      method: 'POST',
      path: '/interactions/:interactionId/:token/callback',
      auth: 'none',
      bucket: false,
      handle: (req) => {
        const withResponse = req.query.get('with_response') === 'true';
        const body = ctx.interactions.respond(
          req.params.interactionId!,
          req.params.token!,
          asObject(req.body),
          req.files,
          withResponse,
        );
        return body ? json(body) : noContent();
      },
    },
    {
      method: 'POST',
      path: '/webhooks/:applicationId/:token',
      auth: 'none',
      handle: (req) => {
        const message = ctx.interactions.followUp(hook(req), asObject(req.body), req.files);
        return req.query.get('wait') === 'true' ? json(view(message)) : noContent();
      },
    },
    {
      method: 'GET',
      path: '/webhooks/:applicationId/:token/messages/:messageId',
      auth: 'none',
      handle: (req) => json(view(ctx.interactions.webhookMessage(hook(req), req.params.messageId!))),
    },
    {
      method: 'PATCH',
      path: '/webhooks/:applicationId/:token/messages/:messageId',
      auth: 'none',
      handle: (req) =>
        json(
          view(
            ctx.interactions.editWebhookMessage(
              hook(req),
              req.params.messageId!,
              asObject(req.body),
              req.files,
            ),
          ),
        ),
    },
    {
      method: 'DELETE',
      path: '/webhooks/:applicationId/:token/messages/:messageId',
      auth: 'none',
      handle: (req) => {
        ctx.world.deleteMessage(ctx.interactions.webhookMessage(hook(req), req.params.messageId!));
        return noContent();
      },
    },
  ];
}

/** Application flags that say which privileged intents are enabled in the portal. */
function privilegedFlags(intents: number): number {
  const GATEWAY_PRESENCE = 1 << 12;
  const GATEWAY_GUILD_MEMBERS = 1 << 14;
  const GATEWAY_MESSAGE_CONTENT = 1 << 18;
  return (
    (intents & Intent.GuildPresences ? GATEWAY_PRESENCE : 0) |
    (intents & Intent.GuildMembers ? GATEWAY_GUILD_MEMBERS : 0) |
    (intents & Intent.MessageContent ? GATEWAY_MESSAGE_CONTENT : 0)
  );
}
