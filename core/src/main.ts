import { startCore } from './app';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/connect';
import { createLogger } from './logger';

/**
 * `npm run core`: core's HTTP API and job worker without any bot (docker-compose's `core` service,
 * where each bot runs as its own service). `npm start` (launcher/main.ts) adds the bots.
 * SIGINT or SIGTERM shuts down in order: HTTP and worker, then the database.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const conn = await connectDatabase(config, logger, { max: 20 });
  const core = await startCore({ config, db: conn.db, dbUrl: conn.url, logger, worker: true });
  logger.info('Atelier core is ready', { url: core.url, provider: core.deps.provider.name });
  console.log(
    `\n  Atelier core is listening on ${core.url}  (API: ${core.url}/trpc, health: ${core.url}/healthz)\n`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await core.stop();
    await conn.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Atelier core failed to start:', error);
  process.exit(1);
});
