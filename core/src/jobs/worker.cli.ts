import { openStorage } from '../app';
import { loadConfig } from '../config';
import { connectDatabase } from '../db/connect';
import { createEventBus } from '../events/event-bus';
import { createLogger } from '../logger';
import { createProvider } from '../providers';
import { startJobQueue } from './job-queue';
import { startWorker } from './worker';

/**
 * `npm run worker`: a job worker as its own process (docker-compose's `worker` service). Any number
 * can run against one database; `npm start` also runs one inside the all-in-one process.
 */
const config = loadConfig();
const logger = createLogger(config.logLevel).child({ process: 'worker' });
const conn = await connectDatabase(config, logger, { max: 10, ordersOwnShutdown: true });
const storage = await openStorage(config, config.publicUrl ?? `http://127.0.0.1:${config.port}`);
const provider = createProvider({
  falKey: config.env.FAL_KEY,
  falApiRoot: config.env.FAL_API_ROOT,
  falOutputHosts: config.falOutputHosts,
  logger,
});
const jobs = await startJobQueue({ url: conn.url, logger });
const events = await createEventBus(conn.url, logger);
const worker = await startWorker(
  {
    db: conn.db,
    storage,
    jobs,
    events,
    provider,
    config,
    logger,
    pollSeconds: config.worker.statusPollSeconds,
  },
  {
    sweepEverySeconds: config.worker.sweepEverySeconds,
    stalledAfterSeconds: config.worker.stalledAfterSeconds,
    webhookGraceSeconds: config.worker.webhookGraceSeconds,
  },
);
logger.info('worker ready', { provider: provider.name });
console.log('worker ready');

const shutdown = async () => {
  await worker.stop();
  await jobs.stop();
  await events.close();
  await conn.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
