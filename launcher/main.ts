import { startCore } from '../core/src/app';
import { ConfigError, loadConfig } from '../core/src/config';
import { connectDatabase } from '../core/src/db/connect';
import { createLogger } from '../core/src/logger';
import { startEnabledBots } from './bots';
import { ensureWebAppBuilt } from './web-app-build';

/**
 * `npm start`: everything on one machine. Embedded PostgreSQL when DATABASE_URL is unset, core's HTTP
 * API and job worker, and every bot whose token is set. Ctrl-C (SIGINT) or SIGTERM shuts down in
 * order: bots, HTTP and worker, database.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  await ensureWebAppBuilt((message) => logger.info(message));
  const conn = await connectDatabase(config, logger, { max: 20, ordersOwnShutdown: true });
  const core = await startCore({ config, db: conn.db, dbUrl: conn.url, logger, worker: true });
  const bots = await startEnabledBots({ config, core, logger });
  logger.info('Atelier core is ready', {
    url: core.url,
    trpc: `${core.url}/trpc`,
    database: config.databaseUrl ? 'DATABASE_URL' : 'embedded',
    provider: core.deps.provider.name,
    storage: core.deps.storage.kind,
    startupMs: Date.now() - started,
  });
  console.log(
    `\n  Atelier is listening on ${core.url}  (API: ${core.url}/trpc, health: ${core.url}/healthz)` +
      `\n  Web app: ${core.url}/gallery (public), ${core.url}/admin (staff)\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await bots.stop();
    await core.stop();
    await conn.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Atelier failed to start:', error);
  process.exit(1);
});
