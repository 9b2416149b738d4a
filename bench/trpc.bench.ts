import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { encodeActor } from '../core/src/client';
import { createServiceToken } from '../core/src/domain/auth/auth.service';
import { processCpuMs } from './processes';
import { type BenchDatabase, fmt, percentile, runLoad } from './support';

const CONNECTIONS = 16;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;

/** `credits.balance` over HTTP against core running as its own process (npm start's entry point). */
export async function benchTrpc(bench: BenchDatabase): Promise<void> {
  const handle = bench.open(2);
  const token = await createServiceToken(handle.db, { name: 'bench', platform: 'telegram' });
  await handle.close();
  const port = 18000 + Math.floor(Math.random() * 2000);
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'core/src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: bench.url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ATELIER_DATA_DIR: '/tmp/atelier-bench',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    while (!out.includes('listening on')) await once(child.stdout, 'data');
    const url = `http://127.0.0.1:${port}/trpc/credits.balance`;
    const headers = (user: number) => ({
      authorization: `Bearer ${token}`,
      'x-atelier-actor': encodeActor({ userId: `bench-${user}`, userName: `Bench ${user}`, space: null }),
    });
    for (let u = 0; u < CONNECTIONS; u++) await fetch(url, { headers: headers(u) }); // create the users first
    /** The load, and the CPU core spent on it per request (what one core of it could serve). */
    const load = async (target: string) => {
      const cpuBefore = processCpuMs(child.pid!);
      const result = await runLoad(CONNECTIONS, DURATION_MS, async (loop) => {
        const res = await fetch(target, { headers: headers(loop) });
        await res.arrayBuffer();
        return res.ok;
      });
      return { ...result, cpuMs: (processCpuMs(child.pid!) - cpuBefore) / Math.max(1, result.ok) };
    };
    // The same stack (HTTP, tRPC, credentials and actor resolved) with a procedure that does nothing.
    const noop = await load(`http://127.0.0.1:${port}/trpc/ping`);
    const result = await load(url);
    const line = (label: string, r: typeof result) =>
      `  ${label.padEnd(16)} ${fmt(r.ok / r.seconds).padStart(6)} req/s   p50 ${fmt(percentile(r.latencies, 50), 1)} ms   p99 ${fmt(percentile(r.latencies, 99), 1)} ms   errors ${r.refused}   core CPU ${fmt(r.cpuMs * 1000)} us/request (${fmt(1000 / r.cpuMs)} req/s per core)`;
    const rate = result.ok / result.seconds;
    console.log(
      `tRPC over HTTP, core as its own process, ${CONNECTIONS} connections, ${DURATION_MS / 1000}s each (the load client shares the 2 cores)`,
    );
    console.log(line('ping (no-op)', noop));
    console.log(line('credits.balance', result));
    console.log(
      `  credits.balance vs no-op: ratio ${fmt(rate / (noop.ok / noop.seconds), 2)} (target >= 0.5); vs 3,000 req/s: ratio ${fmt(rate / 3000, 2)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
