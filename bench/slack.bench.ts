import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type SlackApp, startSlackApp } from '../bots/slack/slack.adapter';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { silentLogger } from '../core/src/logger';
import { DEFAULT_FAL_KEY, FalFake, imageOutput } from '../test/fakes/fal/fal-fake';
import { FakeSlack } from '../test/fakes/slack/slack-fake';
import { pngBytes } from '../test/support/generations';
import { freePort } from '../test/support/ports';
import { waitUntil } from '../test/support/wait';
import { type BenchDatabase, fmt, percentile, slowProxy } from './support';

const MEMBERS = 50;
const ROUNDS = Number(process.env.BENCH_SLACK_ROUNDS ?? 3);
const CORE_DELAY_MS = 2_000;
/** BENCH_SLACK_TEXT=help measures acknowledgements of a command that starts no generation. */
const work = process.env.BENCH_SLACK_TEXT === undefined;
const textFor = (label: string, round: number, i: number) =>
  process.env.BENCH_SLACK_TEXT ?? `gen ${label} round ${round} member ${i}`;

/**
 * 50 members of one workspace type `/atelier gen …` at the same moment; the fake Slack measures how
 * long the app takes to acknowledge each (the HTTP response to the signed request: Slack's limit is
 * 3 s), first with core answering at once, then with 2 s added to every call to core. The work runs
 * after the acknowledgement, so core's latency should not reach it.
 */
export async function benchSlack(bench: BenchDatabase): Promise<void> {
  const fal = new FalFake();
  await fal.start();
  fal.setBehavior('fal-ai/flux-1/schnell', { immediate: true, output: imageOutput(pngBytes(5, 64, 48)) });
  const slack = new FakeSlack();
  await slack.start();
  const port = await freePort();
  const handle = bench.open(20);
  const core = await startCore({
    config: loadConfig({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: fal.url,
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-slack-')),
      TEAM_STARTER_CREDITS: '1000000',
    }),
    db: handle.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
    worker: { sweepEverySeconds: 3600 },
  });
  const workspace = slack.world.addWorkspace({ name: 'Bench' });
  const members = Array.from({ length: MEMBERS }, (_, i) =>
    slack.world.addMember(workspace, { name: `Bench ${i}` }),
  );
  const channel = slack.world.addChannel(workspace, { name: 'bench', members });
  const { botToken } = slack.install(workspace, members[0]!);
  slack.world.app.requestUrl = `${core.url}/slack/events`;
  let app: SlackApp | null = null;
  core.mount({
    prefix: '/slack',
    name: 'slack',
    handle: async (req, res) => (app ? app.handle(req, res) : false),
  });
  const proxy = await slowProxy(core.url, CORE_DELAY_MS);

  const measure = async (label: string, coreUrl: string) => {
    app = await startSlackApp({
      coreUrl,
      serviceToken: await createServiceToken(handle.db, { name: `slack-bench-${label}`, platform: 'slack' }),
      signingSecret: slack.app.signingSecret,
      apiUrl: slack.apiUrl,
      auth: { kind: 'single-workspace', botToken },
    });
    // Warm-up (not measured): the first requests pay for connections, caches and JIT compilation.
    await Promise.all(members.map((m) => slack.user.slashCommand(m, channel, '/atelier', 'help')));
    const acks: number[] = [];
    // Everything (core, worker, fakes, the app) shares this process: its event-loop delay says how
    // much of an acknowledgement's wait was the process being busy rather than the app's own path.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const results = () =>
      slack.messages(channel).filter((m) => m.files.length > 0 && m.text.includes(label)).length;
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const answered = await Promise.all(
        members.map((m, i) => slack.user.slashCommand(m, channel, '/atelier', textFor(label, round, i))),
      );
      for (const a of answered) {
        if (a.status !== 200) throw new Error(`an acknowledgement failed: HTTP ${a.status}`);
        acks.push(a.latencyMs);
      }
    }
    if (work)
      await waitUntil(() => results() >= MEMBERS * ROUNDS, { timeoutMs: 180_000, label: `${label} results` });
    const seconds = (Date.now() - started) / 1000;
    loop.disable();
    console.log(
      `  ${label.padEnd(22)} acknowledged ${acks.length}: p50 ${fmt(percentile(acks, 50), 1)} ms, p99 ${fmt(percentile(acks, 99), 1)} ms, max ${fmt(Math.max(...acks), 1)} ms; all ${fmt(results())} results in ${fmt(seconds, 1)} s; event-loop delay p99 ${fmt(loop.percentile(99) / 1e6, 0)} ms`,
    );
    await app.stop();
    app = null;
  };

  try {
    console.log(
      `slack: ${MEMBERS} concurrent slash commands x ${ROUNDS} rounds (targets: p99 < 250 ms; < 1 s with 2 s on core); load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
    );
    await measure('core-direct', core.url);
    await measure('core-plus-2s', proxy.url);
  } finally {
    proxy.server.closeAllConnections();
    proxy.server.close();
    await core.stop();
    await handle.close();
    await slack.close();
    await fal.close();
  }
}
