import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { type DatabaseHandle, openDatabase } from './database';
import { type EmbeddedServer, ensureDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { migrateToLatest } from './migrate';

export interface Connection extends DatabaseHandle {
  url: string;
  migrated: string[];
}

const DEFAULT_EMBEDDED_PORT = 54329;

/**
 * DATABASE_URL when set, otherwise the embedded server under the data dir; migrated either way.
 * `close()` closes the pool, then stops the embedded server. A long-running process that closes in
 * order on SIGINT/SIGTERM passes `ordersOwnShutdown` so the embedded server waits for that `close()`
 * instead of stopping the moment the signal arrives.
 */
export async function connectDatabase(
  config: Config,
  logger: Logger,
  opts: { max?: number; ordersOwnShutdown?: boolean } = {},
): Promise<Connection> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const portFile = path.join(config.dataDir, 'postgres-port');
    const remembered = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : undefined;
    const port = config.embeddedPgPort ?? (remembered || DEFAULT_EMBEDDED_PORT);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port,
      logger,
      // An explicit EMBEDDED_PG_PORT is kept (or refused); otherwise any free port will do.
      onPortTaken: config.embeddedPgPort === undefined ? 'pick' : 'fail',
      stopOnSignal: !opts.ordersOwnShutdown,
    });
    if (embedded.port !== port) {
      logger.warn('port taken; the embedded PostgreSQL uses another one and remembers it', {
        wanted: port,
        port: embedded.port,
        rememberedIn: portFile,
      });
    }
    if (config.embeddedPgPort === undefined && embedded.port !== remembered) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(portFile, `${embedded.port}\n`);
    }
    await ensureDatabase(embedded.url('postgres'), 'atelier');
    url = embedded.url('atelier');
    logger.info('embedded PostgreSQL started', { port: embedded.port, dataDir: config.dataDir });
  }
  const handle = openDatabase(url, { max: opts.max });
  const migrated = await migrateToLatest(handle.db);
  return {
    ...handle,
    url,
    migrated,
    close: async () => {
      await handle.close();
      await embedded?.stop();
    },
  };
}
