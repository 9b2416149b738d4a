// The fake gateway driven by real discord.js 14: identify, heartbeats, resume with replay, and the
// refusals a misconfigured bot meets on Discord.
import { Client, GatewayIntentBits, type Interaction } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/wait';
import { type FakeChannel, FakeDiscord, type FakeGuild, type FakeUser } from './discord-fake';
import { connectDiscordJs, rejectionOf } from './discord-fake-client';
import { shardFor } from './discord-gateway';

let discord: FakeDiscord;
let alice: FakeUser;
let guild: FakeGuild;
let general: FakeChannel;
const clients: Client[] = [];

beforeEach(async () => {
  discord = new FakeDiscord({ heartbeatIntervalMs: 100 });
  await discord.start();
  alice = discord.createUser({ username: 'alice' });
  guild = discord.createGuild({ name: 'Studio', owner: alice });
  general = discord.createTextChannel(guild, { name: 'general', nsfw: true });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy();
  await discord.close();
});

async function connect(options: Parameters<typeof connectDiscordJs>[1] = {}): Promise<Client<true>> {
  const client = await connectDiscordJs(discord, options);
  clients.push(client);
  await client.application.commands.set([{ name: 'imagine', description: 'Generate an image' }]);
  return client;
}

/** Every interaction the bot receives, deferred at once. */
function collectInteractions(client: Client): Interaction[] {
  const seen: Interaction[] = [];
  client.on('interactionCreate', (interaction) => {
    seen.push(interaction);
    if (interaction.isChatInputCommand()) void interaction.deferReply();
  });
  return seen;
}

describe('gateway', () => {
  it('identify with the Guilds intent: READY, then each guild with its channels', async () => {
    const client = await connect();
    expect(client.user.id).toBe(discord.bot.id);
    expect(client.guilds.cache.get(guild.id)?.name).toBe('Studio');
    const channel = client.channels.cache.get(general.id);
    expect(channel && 'nsfw' in channel ? channel.nsfw : undefined).toBe(true);
    const [session] = discord.gateway.sessions;
    expect([session?.intents, session?.shard, discord.gateway.stats.identifies]).toEqual([
      GatewayIntentBits.Guilds,
      [0, 1],
      1,
    ]);
    expect(session?.dispatched.slice(0, 2).map((d) => [d.s, d.t])).toEqual([
      [1, 'READY'],
      [2, 'GUILD_CREATE'],
    ]);
  });

  it('a wrong token is refused before any connection', async () => {
    const client = new Client({ intents: [], rest: discord.restOptions() });
    const error = await rejectionOf(client.login('not-the-token'));
    await client.destroy();
    expect(error.code).toBe('TokenInvalid');
    expect(discord.gateway.stats.connections).toBe(0);
  });

  it('privileged intents that are not enabled for the application are refused with 4014', async () => {
    const error = await rejectionOf(
      connectDiscordJs(discord, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent] }),
    );
    expect(error.message).toMatch(/disallowed intents/i);
    expect(discord.gateway.sessions).toEqual([]);
  });

  it('heartbeats are acknowledged, so discord.js measures a ping', async () => {
    const client = await connect();
    await discord.waitFor(() => discord.gateway.stats.heartbeats >= 3, { label: 'three heartbeats' });
    await waitUntil(() => client.ws.ping >= 0, { label: 'a measured ping' });
    expect(discord.gateway.liveSessions()).toHaveLength(1);
  });

  it('after a dropped connection the bot resumes on resume_gateway_url and gets what it missed, once', async () => {
    const client = await connect();
    const seen = collectInteractions(client);
    const before = discord.gateway.sessions[0]!.seq;
    discord.gateway.dropConnections();
    const missed = discord.as(alice).slash(general, 'imagine');
    await missed.acknowledged();
    await discord.waitFor(() => discord.gateway.liveSessions().length === 1, {
      label: 'the resumed session',
    });

    expect(seen.map((i) => i.id)).toEqual([missed.id]);
    expect(discord.gateway.stats).toMatchObject({ identifies: 1, resumes: 1 });
    expect(discord.gateway.connectionPaths).toEqual(['/gateway', '/gateway-resume']);
    expect(discord.gateway.resumeRequests).toEqual([
      { sessionId: discord.gateway.sessions[0]!.id, seq: before },
    ]);
    const session = discord.gateway.sessions[0]!;
    expect(session.dispatched.map((d) => d.s)).toEqual(session.dispatched.map((_, n) => n + 1));
    expect(session.dispatched.slice(-2).map((d) => d.t)).toEqual(['INTERACTION_CREATE', 'RESUMED']);

    const after = discord.as(alice).slash(general, 'imagine');
    await after.acknowledged();
    expect(seen.map((i) => i.id)).toEqual([missed.id, after.id]);
  });

  it('asked to reconnect (op 7), the bot resumes its session', async () => {
    await connect();
    discord.gateway.requestReconnect();
    await discord.waitFor(
      () => discord.gateway.stats.resumes === 1 && discord.gateway.liveSessions().length === 1,
      { label: 'a resume' },
    );
    expect(discord.gateway.stats.identifies).toBe(1);
  });

  // discord.js spaces identifies 5 s apart (max_concurrency 1), so this one takes that long.
  it('a session Discord no longer has (op 9) makes the bot identify afresh and keep working', async () => {
    const client = await connect();
    const seen = collectInteractions(client);
    discord.gateway.dropConnections({ resumable: false });
    await discord.waitFor(
      () => discord.gateway.stats.identifies === 2 && discord.gateway.liveSessions().length === 1,
      {
        label: 'a new session',
      },
    );
    expect(discord.gateway.stats).toMatchObject({ resumes: 0, invalidSessions: 1 });
    const run = discord.as(alice).slash(general, 'imagine');
    await run.acknowledged();
    expect(seen.map((i) => i.id)).toEqual([run.id]);
  });

  it('a bot that shuts down cleanly ends its session; a new process starts a new one', async () => {
    const first = await connect();
    await first.destroy();
    await discord.waitFor(() => discord.gateway.liveSessions().length === 0, { label: 'the session to end' });
    expect(discord.gateway.sessions[0]?.resumable).toBe(false);
    const second = await connect();
    const seen = collectInteractions(second);
    const run = discord.as(alice).slash(general, 'imagine');
    await run.acknowledged();
    expect(seen.map((i) => i.id)).toEqual([run.id]);
    expect(discord.gateway.stats.identifies).toBe(2);
  });

  it("with shards: 'auto' the bot opens the recommended shards and each guild's events reach its shard", async () => {
    await discord.close();
    discord = new FakeDiscord({ recommendedShards: 2, maxConcurrency: 2 });
    await discord.start();
    const owner = discord.createUser({ username: 'owner' });
    const guilds: FakeGuild[] = [];
    while (new Set(guilds.map((g) => shardFor(g.id, 2))).size < 2) {
      discord.clock.advance(1);
      guilds.push(discord.createGuild({ name: `G${guilds.length}`, owner }));
    }
    const client = await connect({ shards: 'auto' });
    const seen = collectInteractions(client);
    expect(discord.gateway.sessions.map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(client.guilds.cache.size).toBe(guilds.length);
    const runs = guilds.map((g) =>
      discord.as(owner).slash(discord.createTextChannel(g, { name: 'c' }), 'imagine'),
    );
    await Promise.all(runs.map((r) => r.acknowledged()));
    expect(seen.map((i) => i.id).sort()).toEqual(runs.map((r) => r.id).sort());
    for (const [n, g] of guilds.entries()) {
      const session = discord.gateway.sessions.find((s) => s.shard[0] === shardFor(g.id, 2));
      expect(session?.dispatched.some((d) => (d.d as { id?: string }).id === runs[n]!.id)).toBe(true);
      expect(seen.find((i) => i.id === runs[n]!.id)?.guild?.shardId).toBe(shardFor(g.id, 2));
    }
  });
});
