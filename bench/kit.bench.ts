import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createChatKit } from '../bots/kit/chat-kit';
import type { CommandInput } from '../bots/kit/command-spec';
import type { Attachment, CommandContext } from '../bots/kit/kit.types';
import { DISCORD_TRAITS } from '../bots/kit/platform-traits';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { freePort } from '../test/support/ports';
import { type BenchDatabase, fmt, percentile } from './support';

const ITERATIONS = Number(process.env.BENCH_KIT_ITERATIONS ?? 20_000);

const photos = (n: number): Attachment[] =>
  Array.from({ length: n }, () => ({ kind: 'image', url: async () => 'https://cdn.example/p.png' }));

/** One representative input per command, as typed. */
const INPUTS: { command: string; input: CommandInput; files?: Attachment[] }[] = [
  {
    command: 'gen',
    input: { text: 'a red fox in the snow --model flux --size 16:9 --count 2 --seed 42 --no "blurry, text"' },
  },
  {
    command: 'generate',
    input: { values: { prompt: 'a red fox', model: 'sdxl', count: 2, options: '--num_inference_steps 8' } },
  },
  { command: 'models', input: { text: 'image' } },
  { command: 'favorite', input: { text: 'sdxl' } },
  { command: 'credits', input: { text: '' } },
  { command: 'team', input: { text: 'models flux, sdxl, veo' } },
  { command: 'buy', input: { text: '' } },
  { command: 'history', input: { text: '3' } },
  { command: 'show', input: { text: '1a2b3c4d' } },
  { command: 'publish', input: { text: '1a2b3c4d' } },
  { command: 'cancel', input: { text: '' } },
  { command: 'gallery', input: { text: 'video' } },
  { command: 'lora', input: { text: 'train my style --trigger zorb --steps 1000' }, files: photos(8) },
  { command: 'link', input: { text: '' } },
  { command: 'settings', input: { text: 'model sdxl private on' } },
  { command: 'help', input: { text: 'generate' } },
];

const micros = (ms: number) => `${fmt(ms * 1000, 1)} µs`;

/**
 * `prepare` is all that runs between a platform event and its acknowledgement (Discord's 3 s, Slack's
 * ack()), so it must cost far below a millisecond; autocomplete answers from cache (Discord's
 * autocomplete cannot defer). Real core serves the cache's first load; the timings touch no network.
 */
export async function benchKit(bench: BenchDatabase): Promise<void> {
  const port = await freePort();
  const handle = bench.open(5);
  const core = await startCore({
    config: loadConfig({
      PORT: String(port),
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-kit-')),
    }),
    db: handle.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
    worker: false,
  });
  const kit = createChatKit({
    coreUrl: core.url,
    serviceToken: await createServiceToken(handle.db, { name: 'kit-bench', platform: 'discord' }),
    platform: 'discord',
  });
  const noop = async () => ({ chatId: 'c', messageId: 'm' });
  const ctx: CommandContext = {
    actor: { userId: 'bench-user', userName: 'Bench', space: { id: 'g1', kind: 'guild', name: 'Bench' } },
    chat: { chatId: 'c', direct: false },
    traits: DISCORD_TRAITS,
    reply: noop,
    edit: async () => {},
    post: noop,
    notify: async () => {},
    sendPrivate: noop,
    isSpaceAdmin: async () => false,
  };
  try {
    console.log(
      `Kit: prepare per command (${fmt(ITERATIONS)} calls each, parse only) and autocomplete from cache`,
    );
    for (const { command, input, files } of INPUTS) {
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const t0 = performance.now();
        const prepared = kit.prepare(ctx, command, input, files);
        times.push(performance.now() - t0);
        if (!prepared.ok) throw new Error(`${command} did not prepare`);
      }
      const label = `${'text' in input ? 'text ' : 'typed'} /${command}`.padEnd(20);
      console.log(
        `  prepare ${label} p50 ${micros(percentile(times, 50))}  p99 ${micros(percentile(times, 99))}`,
      );
    }
    await kit.warm(ctx);
    const typed = ['', 'f', 'fl', 'flux', 'sd', 'veo', 'eleven', 'x'];
    const times: number[] = [];
    let choices = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      choices += kit.complete(ctx, {
        command: 'generate',
        option: 'model',
        typed: typed[i % typed.length]!,
      }).length;
      times.push(performance.now() - t0);
    }
    console.log(
      `  autocomplete (model)         p50 ${micros(percentile(times, 50))}  p99 ${micros(percentile(times, 99))}  (${fmt(choices / ITERATIONS, 1)} choices on average)`,
    );
  } finally {
    await kit.close();
    await core.stop();
    await handle.close();
  }
}
