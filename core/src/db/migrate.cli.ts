import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { connectDatabase } from './connect';

/** `npm run migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
const config = loadConfig();
const logger = createLogger(config.logLevel);
const conn = await connectDatabase(config, logger);
try {
  logger.info('migrations applied', { applied: conn.migrated });
} finally {
  await conn.close();
}
