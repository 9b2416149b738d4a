import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTelegramBot } from '../bots/telegram/telegram.adapter';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, type OutputBuilder } from '../test/fakes/fal/fal-fake';
import { FakeTelegram } from '../test/fakes/telegram/telegram-fake';
import { pngBytes } from '../test/support/generations';
import { freePort } from '../test/support/ports';
import { startBenchProcess } from './processes';
import { type BenchDatabase, fmt, percentile } from './support';

const USERS = 50;
const ROUNDS = Number(process.env.BENCH_TELEGRAM_ROUNDS ?? 3);

/**
 * 50 people send /gen at the same moment to the real grammy bot (long polling against the fake Bot
 * API), with real core and fal answering at once. Measures (1) command -> first reply (the progress
 * message stating the price) and (2) fal finishing -> the photo reaching Telegram (webhook, finalize,
 * delivery stream, download, upload). Twice: core and the bot in one process, as `npm start` runs
 * them, and core in its own process, as docker-compose (and `npm run core` + `npm run telegram`) do.
 */
export async function benchTelegram(bench: BenchDatabase): Promise<void> {
  await benchTelegramWith(bench, 'one process');
  console.log('');
  await benchTelegramWith(bench, 'own processes');
}

async function benchTelegramWith(
  bench: BenchDatabase,
  layout: 'one process' | 'own processes',
): Promise<void> {
  const fal = new FalFake();
  await fal.start();
  // People new to core in each layout: the first command of each is a newcomer's.
  const tg = new FakeTelegram({
    bot: { username: 'atelier_bench_bot' },
    firstUserId: layout === 'one process' ? 100_000_001 : 200_000_001,
  });
  await tg.start();
  const port = await freePort();
  const handle = bench.open(20);
  const finishedAt = new Map<string, number>();
  const red = imageOutput(pngBytes(5, 64, 48), { width: 64, height: 48 });
  const output: OutputBuilder = (input, ctx) => {
    finishedAt.set(String((input as { prompt?: string }).prompt), Date.now());
    return red(input, ctx);
  };
  fal.setBehavior('fal-ai/flux-1/schnell', { immediate: true, output });
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    TELEGRAM_API_ROOT: tg.apiRoot,
    ATELIER_SECRET: 'bench-secret-bench-secret',
    ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-tg-')),
  };
  const core =
    layout === 'one process'
      ? await startCore({
          config: loadConfig(env),
          db: handle.db,
          dbUrl: bench.url,
          logger: silentLogger,
          host: '127.0.0.1',
          worker: { sweepEverySeconds: 3600 },
        })
      : await startBenchProcess(
          'core/src/main.ts',
          { ...env, DATABASE_URL: bench.url, LOG_LEVEL: 'error' },
          'Atelier core is listening',
        );
  const bot = await startTelegramBot({
    token: tg.token,
    coreUrl: `http://127.0.0.1:${port}`,
    serviceToken: await createServiceToken(handle.db, {
      // Its own name per layout: request keys are scoped to it, and both runs number their updates alike.
      name: `telegram-bench (${layout})`,
      platform: 'telegram',
    }),
    apiRoot: tg.apiRoot,
    pollingTimeoutSeconds: 1,
  });
  try {
    const people = Array.from({ length: USERS }, (_, i) => {
      const user = tg.createUser({ first_name: `Bench${i}` });
      return { user, chat: tg.createPrivateChat(user) };
    });
    const firstReply: number[] = [];
    /** Round 0: every user's very first command (core creates the user and grants starter credits). */
    const newcomerReply: number[] = [];
    const toPhoto: number[] = [];
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const sentAt = new Map<number, number>();
      const roundStart = Date.now();
      for (const [i, p] of people.entries()) {
        sentAt.set(p.chat.id, Date.now());
        tg.sendUserMessage(p.chat, p.user, `/gen bench round ${round} user ${i}`);
      }
      const photoCalls = () =>
        tg
          .calls('sendPhoto')
          .filter((c) => c.response.ok && String(c.params.caption ?? '').includes(`round ${round} `));
      await tg.waitFor(() => photoCalls().length >= USERS, 60_000, `round ${round} photos`);
      for (const p of people) {
        const reply = tg
          .calls('sendMessage')
          .find((c) => String(c.params.chat_id) === String(p.chat.id) && c.at >= roundStart);
        if (reply) (round === 0 ? newcomerReply : firstReply).push(reply.at - sentAt.get(p.chat.id)!);
      }
      for (const call of photoCalls()) {
        const prompt = /“(.+)”/.exec(String(call.params.caption))?.[1] ?? '';
        const done = finishedAt.get(prompt);
        if (done !== undefined) toPhoto.push(call.at - done);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const line = (label: string, values: number[]) =>
      `  ${label.padEnd(34)} p50 ${fmt(percentile(values, 50))} ms   p99 ${fmt(percentile(values, 99))} ms   (n=${values.length})`;
    console.log(
      `Telegram bot: ${USERS} concurrent users x ${ROUNDS} rounds of /gen, fal answering at once; core and bot in ${layout}`,
    );
    console.log(line('first command -> first reply', newcomerReply), '  target p50 < 200 ms');
    console.log(line('command -> first reply', firstReply), '  target p50 < 30, p99 < 100 ms');
    console.log(line('fal completion -> sendPhoto', toPhoto));
    console.log(`  ${fmt((USERS * ROUNDS) / seconds, 1)} generations/s end to end (${fmt(seconds, 1)} s)`);
  } finally {
    await bot.stop();
    await core.stop();
    await handle.close();
    await tg.close();
    await fal.close();
  }
}
