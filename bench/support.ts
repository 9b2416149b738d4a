import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DatabaseHandle, openDatabase } from '../core/src/db/database';
import { ensureDatabase, startEmbeddedPostgres } from '../core/src/db/embedded-postgres';
import { migrateToLatest } from '../core/src/db/migrate';
import { silentLogger } from '../core/src/logger';

export interface BenchDatabase {
  url: string;
  open(max: number): DatabaseHandle;
  close(): Promise<void>;
}

/** A fresh migrated database: BENCH_DATABASE_URL's server when set, otherwise an embedded one in a temp dir. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const name = `atelier_bench_${Date.now()}`;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), 'atelier-bench-pg-'));
    const server = await startEmbeddedPostgres({
      dataDir: dir,
      port: 56000 + Math.floor(Math.random() * 3000),
      logger: silentLogger,
      persistent: false,
    });
    adminUrl = server.url('postgres');
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  await ensureDatabase(adminUrl, name);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const migrator = openDatabase(url, { max: 1 });
  await migrateToLatest(migrator.db);
  await migrator.close();
  return { url, open: (max) => openDatabase(url, { max }), close: stop };
}

/** Runs `worker` on `concurrency` loops for `durationMs`; returns completed operations and latencies (ms). */
export async function runLoad(
  concurrency: number,
  durationMs: number,
  worker: (loop: number, i: number) => Promise<boolean>,
): Promise<{ ok: number; refused: number; seconds: number; latencies: number[] }> {
  const deadline = performance.now() + durationMs;
  const latencies: number[] = [];
  let ok = 0;
  let refused = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        if (await worker(loop, i)) ok++;
        else refused++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { ok, refused, seconds: (performance.now() - start) / 1000, latencies };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A proxy in front of core that holds every request `delayMs` before passing it on. */
export async function slowProxy(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    setTimeout(() => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
