import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDiscordBot } from '../bots/discord/discord.adapter';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { FakeDiscord } from '../test/fakes/discord/discord-fake';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../test/fakes/fal/fal-fake';
import { pngBytes } from '../test/support/generations';
import { freePort } from '../test/support/ports';
import { type BenchDatabase, fmt, percentile, slowProxy } from './support';

const USERS = 50;
const ROUNDS = Number(process.env.BENCH_DISCORD_ROUNDS ?? 3);
const CORE_DELAY_MS = 2_000;

/**
 * 50 people run /imagine at the same moment against the real discord.js bot (gateway + REST of the
 * fake Discord), with real core and worker and fal answering at once. Measures the acknowledgement
 * latency (INTERACTION_CREATE dispatched -> deferral received), which must not wait for core: once
 * as is, once with 2 s added to every call to core.
 */
export async function benchDiscord(bench: BenchDatabase): Promise<void> {
  const fal = new FalFake();
  await fal.start();
  fal.setBehavior('fal-ai/flux-1/schnell', { immediate: true, output: imageOutput(pngBytes(5, 64, 48)) });
  const discord = new FakeDiscord({ rateLimit: { limit: 10_000, windowMs: 1_000 } });
  await discord.start();
  const port = await freePort();
  const handle = bench.open(20);
  const core = await startCore({
    config: loadConfig({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: fal.url,
      DISCORD_CDN_URL: discord.cdnUrl,
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-discord-')),
    }),
    db: handle.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
    worker: { sweepEverySeconds: 3600 },
  });
  const owner = discord.createUser({ username: 'bench-owner' });
  const guild = discord.createGuild({ name: 'Bench', owner });
  const channel = discord.createTextChannel(guild, { name: 'bench' });
  const people = Array.from({ length: USERS }, (_, i) => {
    const user = discord.createUser({ username: `bench${i}` });
    discord.addMember(guild, user);
    return user;
  });
  const proxy = await slowProxy(core.url, CORE_DELAY_MS);

  /** The bot in this process, or as `npm run discord` in its own (as deployed: Discord and core elsewhere). */
  const startBot = async (
    label: string,
    coreUrl: string,
    own: boolean,
  ): Promise<{ stop(): Promise<void> }> => {
    const serviceToken = await createServiceToken(handle.db, {
      name: `discord-bench-${label}`,
      platform: 'discord',
    });
    if (!own) {
      return startDiscordBot({
        token: discord.token,
        applicationId: discord.applicationId,
        coreUrl,
        serviceToken,
        apiUrl: discord.apiUrl,
        cdnUrl: discord.cdnUrl,
      });
    }
    const checks = discord.rest.callsTo('GET', '/applications/:applicationId/commands').length;
    const child = spawn(process.execPath, ['--import', 'tsx', 'launcher/discord.ts'], {
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        ATELIER_SECRET: 'bench-secret-bench-secret',
        ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-discord-bot-')),
        CORE_URL: coreUrl,
        CORE_SERVICE_TOKEN: serviceToken,
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_CDN_URL: discord.cdnUrl,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Ready once it has checked its commands and holds a gateway session.
    await discord.waitFor(
      () =>
        discord.rest.callsTo('GET', '/applications/:applicationId/commands').length > checks &&
        discord.gateway.liveSessions().length === 1,
      { timeoutMs: 60_000, label: 'the bot process' },
    );
    return {
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  };

  const measure = async (label: string, coreUrl: string, own = false) => {
    const bot = await startBot(label, coreUrl, own);
    const acks: number[] = [];
    let late = 0;
    const started = Date.now();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const runs = people.map((user, i) =>
          discord.as(user).slash(channel, 'imagine', { prompt: `${label} round ${round} user ${i}` }),
        );
        // Settled: every interaction either acknowledged or refused by Discord's 3 s rule.
        const refusedBefore = discord.rest.calls.filter(
          (c) => c.status === 404 && c.route.endsWith('/callback'),
        ).length;
        await discord.waitFor(
          () =>
            runs.filter((r) => r.interaction.callback).length +
              discord.rest.calls.filter((c) => c.status === 404 && c.route.endsWith('/callback')).length -
              refusedBefore >=
            runs.length,
          { timeoutMs: 60_000, label: `round ${round} acknowledgements` },
        );
        const acked = runs.filter((r) => r.interaction.callback);
        acks.push(...acked.map((r) => r.interaction.callback!.latencyMs));
        late += runs.length - acked.length;
        await Promise.all(acked.map((r) => r.responseWhere((m) => m.content.startsWith('Done'), 120_000)));
      }
    } finally {
      await bot.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `  ${label.padEnd(30)} ack p50 ${fmt(percentile(acks, 50), 1)} ms   p99 ${fmt(percentile(acks, 99), 1)} ms   max ${fmt(Math.max(...acks), 1)} ms   (n=${acks.length}, over 3 s: ${late}; ${fmt(seconds, 1)} s to all results)`,
    );
  };

  try {
    console.log(
      `Discord bot: ${USERS} concurrent /imagine x ${ROUNDS} rounds (acknowledgement: dispatch -> deferral)`,
    );
    await measure('bot in this process', core.url);
    await measure(`same, core +${CORE_DELAY_MS / 1000} s per call`, proxy.url);
    await measure('bot as its own process', core.url, true);
    await measure(`own process, core +${CORE_DELAY_MS / 1000} s`, proxy.url, true);
    console.log(
      '  targets: p99 < 250 ms, and < 1 s with the added latency (the fake Discord, core and its worker share this process and 2 cores)',
    );
  } finally {
    proxy.server.closeAllConnections();
    proxy.server.close();
    await core.stop();
    await handle.close();
    await discord.close();
    await fal.close();
  }
}
