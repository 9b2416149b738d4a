// A protocol-faithful fake of Discord for tests: REST (/api/v10), the gateway WebSocket and the
// attachment CDN on one loopback HTTP server, so real discord.js runs against it unchanged.
//
//   const discord = new FakeDiscord();
//   await discord.start();
//   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: discord.restOptions() });
//   await client.login(discord.token);
//   const alice = discord.createUser({ username: 'alice' });
//   const guild = discord.createGuild({ name: 'Studio', owner: alice });
//   const general = discord.createTextChannel(guild, { name: 'general' });
//   const run = discord.as(alice).slash(general, 'imagine', { prompt: 'a fox' });
//   await run.acknowledged();
//
// Files by role: discord-world (state, clock), discord-rest + discord-routes (REST), discord-gateway
// (WebSocket), discord-cdn (attachments), discord-interactions (callbacks, interaction webhooks),
// discord-commands + discord-invocation (registration, what an invocation carries), discord-user
// (what a user does), discord-transcript (what a user sees).
//
// Not modelled: channel permission overwrites, threads, embeds' media proxying, MESSAGE_CREATE and
// other message/presence dispatches (a bot on the Guilds intent does not receive them), transport
// compression, session expiry on Discord's side, sharding beyond the shard formula.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordCdn } from './discord-cdn';
import { CommandRegistry } from './discord-commands';
import { DiscordGateway, shardFor } from './discord-gateway';
import { InteractionStore } from './discord-interactions';
import { channelObject, guildCreateObject, roleObject, userObject } from './discord-objects';
import { Intent, type PermissionName } from './discord-protocol';
import { DiscordRest, type RateLimitRule } from './discord-rest';
import { discordRoutes } from './discord-routes';
import { type TranscriptEntry, transcript } from './discord-transcript';
import { DiscordUserSide } from './discord-user';
import {
  type BotAccess,
  DiscordWorld,
  type FakeChannel,
  FakeClock,
  type FakeGuild,
  type FakeUser,
} from './discord-world';

export { DiscordHttpError, discordError } from './discord-errors';
export type { CallbackRecord, FakeInteraction } from './discord-interactions';
export type { FileInput, OptionInput } from './discord-invocation';
export { CallbackType, InteractionType, MessageFlag, Permission } from './discord-protocol';
export type { RestCall } from './discord-rest';
export type { TranscriptEntry } from './discord-transcript';
export { DiscordUserSide, InteractionHandle } from './discord-user';
export type { FakeChannel, FakeGuild, FakeUser, StoredAttachment, StoredMessage } from './discord-world';

export interface FakeDiscordOptions {
  token?: string;
  botUsername?: string;
  /** HELLO's heartbeat_interval; Discord uses ~41 s, tests use less to see heartbeats. */
  heartbeatIntervalMs?: number;
  /** Privileged intents switched on in the developer portal (default none). */
  privilegedIntents?: number;
  /** Per-bucket REST limit (default 50 per second; Discord's message bucket is 5 per 5 s). */
  rateLimit?: RateLimitRule;
  /** `shards` of GET /gateway/bot, what discord.js `shards: 'auto'` uses (default 1). */
  recommendedShards?: number;
  /** session_start_limit.max_concurrency: shards that may identify at once (default 1). */
  maxConcurrency?: number;
}

export class FakeDiscord {
  readonly clock = new FakeClock();
  readonly world = new DiscordWorld(this.clock);
  readonly cdn = new DiscordCdn(this.clock);
  readonly token: string;
  readonly applicationId: string;
  readonly bot: FakeUser;
  readonly commands: CommandRegistry;
  readonly interactions: InteractionStore;
  readonly gateway: DiscordGateway;
  readonly rest: DiscordRest;
  apiUrl = '';
  cdnUrl = '';
  private server?: Server;
  private identifiesLeft = 1000;

  constructor(options: FakeDiscordOptions = {}) {
    this.bot = this.world.createUser({ username: options.botUsername ?? 'Atelier', bot: true });
    this.applicationId = this.bot.id;
    this.token = options.token ?? `${Buffer.from(this.bot.id).toString('base64url')}.fake.${'x'.repeat(27)}`;
    this.commands = new CommandRegistry(
      this.applicationId,
      () => this.world.snowflake(),
      () => this.clock.now(),
    );
    this.interactions = new InteractionStore(this.world, this.cdn, this.applicationId, () => this.bot.id);
    const privilegedIntents = options.privilegedIntents ?? 0;
    this.gateway = new DiscordGateway({
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      privilegedIntents,
      readyData: (session) => ({
        v: 10,
        user: { ...userObject(this.bot), verified: true, mfa_enabled: false, flags: 0 },
        // Each shard's READY lists only its own guilds; their GUILD_CREATEs follow.
        guilds: this.botGuilds()
          .filter((g) => shardFor(g.id, session.shard[1]) === session.shard[0])
          .map((g) => ({ id: g.id, unavailable: true })),
        application: { id: this.applicationId, flags: 0 },
        user_settings: {},
        private_channels: [],
        relationships: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        auth: {},
      }),
      guildCreates: () =>
        this.botGuilds().map((g) => ({ guildId: g.id, data: guildCreateObject(this.world, g, this.bot.id) })),
      onIdentify: () => {
        this.identifiesLeft--;
      },
    });
    this.gateway.on('change', () => this.world.changed());
    const routes = discordRoutes({
      world: this.world,
      cdn: this.cdn,
      commands: this.commands,
      interactions: this.interactions,
      applicationId: this.applicationId,
      bot: this.bot,
      privilegedIntents,
      gatewayUrl: () => this.gateway.url,
      identifiesLeft: () => this.identifiesLeft,
      recommendedShards: options.recommendedShards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 1,
    });
    this.rest = new DiscordRest(routes, {
      token: this.token,
      rateLimit: options.rateLimit ?? { limit: 50, windowMs: 1_000 },
      now: () => Date.now(),
    });
  }

  async start(): Promise<{ apiUrl: string; cdnUrl: string }> {
    const server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/api/')) void this.rest.handle(req, res, url.slice('/api'.length));
      else if (url.startsWith('/cdn/')) this.cdn.handle(req, res, url.slice('/cdn'.length));
      else res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) => {
      if (!this.gateway.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.server = server;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.cdnUrl = `http://127.0.0.1:${port}/cdn`;
    this.cdn.base = this.cdnUrl;
    this.gateway.origin = `ws://127.0.0.1:${port}`;
    return { apiUrl: this.apiUrl, cdnUrl: this.cdnUrl };
  }

  /** discord.js `ClientOptions.rest` pointing at this fake (DISCORD_API_URL / DISCORD_CDN_URL). */
  restOptions(): { api: string; cdn: string } {
    return { api: this.apiUrl, cdn: this.cdnUrl };
  }

  async close(): Promise<void> {
    await this.gateway.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  createUser(init: { username: string; globalName?: string; acceptsDms?: boolean }): FakeUser {
    return this.world.createUser(init);
  }

  /**
   * A guild owned by `owner`; the bot is invited unless `withBot: false` (a connected bot then gets
   * its GUILD_CREATE, as when it joins a server).
   */
  createGuild(init: { name: string; owner: FakeUser; premiumTier?: number; withBot?: boolean }): FakeGuild {
    const guild = this.world.createGuild(init);
    if (init.withBot !== false) {
      this.world.addMember(guild, this.bot);
      this.dispatchToGuild(guild, 'GUILD_CREATE', guildCreateObject(this.world, guild, this.bot.id));
    }
    return guild;
  }

  /** Adds `user` to the guild; `permissions` become a role of their own (e.g. `['ManageGuild']`). */
  addMember(guild: FakeGuild, user: FakeUser, permissions: readonly PermissionName[] = []): void {
    const roles = permissions.length
      ? [this.world.createRole(guild, `${user.username}'s role`, permissions)]
      : [];
    for (const role of roles)
      this.dispatchToGuild(guild, 'GUILD_ROLE_CREATE', { guild_id: guild.id, role: roleObject(role) });
    this.world.addMember(guild, user, roles);
  }

  /** A text channel; a bot in the guild that can see it gets its CHANNEL_CREATE. */
  createTextChannel(
    guild: FakeGuild,
    init: { name: string; nsfw?: boolean; botAccess?: BotAccess },
  ): FakeChannel {
    const channel = this.world.createTextChannel(guild, init);
    if (channel.botAccess !== 'none')
      this.dispatchToGuild(guild, 'CHANNEL_CREATE', channelObject(this.world, channel));
    return channel;
  }

  /** The DM channel between `user` and the bot. */
  dmChannel(user: FakeUser): FakeChannel {
    return this.world.dmChannel(user);
  }

  as(user: FakeUser): DiscordUserSide {
    return new DiscordUserSide(
      {
        world: this.world,
        cdn: this.cdn,
        commands: this.commands,
        interactions: this.interactions,
        gateway: this.gateway,
        applicationId: this.applicationId,
        bot: this.bot,
        waitFor: (probe, opts) => this.waitFor(probe, opts),
      },
      user,
    );
  }

  /** What `viewer` sees in a channel, oldest first (others' ephemeral messages left out). */
  transcript(channel: FakeChannel, viewer?: FakeUser): TranscriptEntry[] {
    return transcript(this.world, channel.id, viewer?.id ?? null);
  }

  /**
   * Resolves when `probe` returns a truthy value, re-checking on every change in the fake (a
   * message, a callback, a gateway event); rejects after `timeoutMs`.
   */
  waitFor<T>(probe: () => T, opts: { timeoutMs?: number; label?: string } = {}): Promise<NonNullable<T>> {
    const first = probe();
    if (first) return Promise.resolve(first as NonNullable<T>);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (!value) return;
        cleanup();
        resolve(value as NonNullable<T>);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake discord: timed out waiting for ${opts.label ?? 'a condition'}`));
      }, opts.timeoutMs ?? 10_000);
      const cleanup = () => {
        clearTimeout(timer);
        this.world.off('change', check);
      };
      this.world.on('change', check);
    });
  }

  /** Guild events reach a connected bot only if it is in the guild and asked for the Guilds intent. */
  private dispatchToGuild(guild: FakeGuild, event: string, data: unknown): void {
    if (guild.members.has(this.bot.id))
      this.gateway.dispatch(event, data, { guildId: guild.id, intent: Intent.Guilds });
  }

  private botGuilds(): FakeGuild[] {
    return [...this.world.guilds.values()].filter((g) => g.members.has(this.bot.id));
  }
}
