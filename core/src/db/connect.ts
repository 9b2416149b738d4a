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

/** DATABASE_URL when set, otherwise the embedded server under the data dir; migrated either way. */
export async function connectDatabase(
  config: Config,
  logger: Logger,
  opts: { max?: number } = {},
): Promise<Connection> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPgPort,
      logger,
    });
    await ensureDatabase(embedded.url('postgres'), 'atelier');
    url = embedded.url('atelier');
    logger.info('embedded PostgreSQL started', { port: config.embeddedPgPort, dataDir: config.dataDir });
  }
  const handle = openDatabase(url, opts);
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
