import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCore } from '../core/src/app';
import { loadConfig } from '../core/src/config';
import { silentLogger } from '../core/src/logger';
import { type BenchDatabase, fmt, percentile, runLoad } from './support';

const FLOOD_CLIENTS = 24;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;

/**
 * `/files` download latency on a quiet core and while 24 clients loop wrong-password sign-ins, each from
 * a new address so no throttle spares the hashing (the worst case for libuv's shared thread pool).
 */
export async function benchLogin(bench: BenchDatabase): Promise<void> {
  const handle = bench.open(10);
  const core = await startCore({
    config: loadConfig({
      PORT: '0',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'silent',
      ATELIER_SECRET: 'bench-secret-bench-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-bench-login-')),
    }),
    db: handle.db,
    dbUrl: bench.url,
    logger: silentLogger,
    host: '127.0.0.1',
  });
  try {
    await core.deps.storage.put('bench/file.bin', randomBytes(64 * 1024), 'application/octet-stream');
    const fileUrl = await core.deps.storage.signedGetUrl('bench/file.bin', { expiresInSeconds: 3600 });
    const download = async () => {
      const res = await fetch(fileUrl);
      await res.arrayBuffer();
      return res.ok;
    };

    const quiet = await runLoad(1, DURATION_MS, download);
    report('quiet', quiet);

    let flooding = true;
    let attempt = 0;
    const outcomes: Record<number, number> = {};
    const flood = Array.from({ length: FLOOD_CLIENTS }, async () => {
      while (flooding) {
        const n = attempt++;
        const res = await fetch(`${core.url}/trpc/auth.login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`,
          },
          body: JSON.stringify({ username: `flood-${n}`, password: 'wrong password' }),
        });
        await res.arrayBuffer();
        outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
      }
    });
    const flooded = await runLoad(1, DURATION_MS, download);
    flooding = false;
    await Promise.all(flood);
    report(`during a ${FLOOD_CLIENTS}-client login flood`, flooded);
    const answered = Object.entries(outcomes)
      .map(([status, n]) => `${status}: ${fmt(n)}`)
      .join(', ');
    console.log(`  sign-in answers during the flood (${answered}), ${fmt(attempt / (DURATION_MS / 1000))}/s`);
  } finally {
    await core.stop();
    await handle.close();
  }
}

function report(label: string, result: Awaited<ReturnType<typeof runLoad>>): void {
  console.log(
    `/files download (64 KiB), ${label}: p50 ${fmt(percentile(result.latencies, 50), 1)} ms   ` +
      `p99 ${fmt(percentile(result.latencies, 99), 1)} ms   max ${fmt(Math.max(...result.latencies), 1)} ms   ` +
      `(${fmt(result.ok)} downloads)`,
  );
}
