import { CompiledQuery } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { DbOrTx } from '../db/database';
import type { Logger } from '../logger';

/** Queue names and their payloads. */
export interface JobPayloads {
  'generation-submit': { generationId: string };
  'generation-poll': { generationId: string; attempt?: number };
  'generation-finalize': { generationId: string };
}
export type JobName = keyof JobPayloads;

const QUEUES: Record<JobName, { retryLimit: number; expireInSeconds: number }> = {
  'generation-submit': { retryLimit: 8, expireInSeconds: 120 },
  'generation-poll': { retryLimit: 8, expireInSeconds: 60 },
  'generation-finalize': { retryLimit: 8, expireInSeconds: 300 },
};

export interface SendOptions {
  /** Enqueue inside this transaction: a rolled-back transaction leaves no job behind. */
  db?: DbOrTx;
  startAfterSeconds?: number;
  /** At most one waiting job per key and queue; defaults to the generation id. */
  singletonKey?: string;
}

export interface JobQueue {
  send<N extends JobName>(name: N, data: JobPayloads[N], opts?: SendOptions): Promise<void>;
  work<N extends JobName>(name: N, handler: (data: JobPayloads[N]) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** pg-boss runs its statements through Kysely when a job must join an application transaction. */
function asBossDb(db: DbOrTx) {
  return {
    executeSql: async (text: string, values: unknown[] = []) => {
      const result = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] };
    },
  };
}

/** Starts pg-boss (its schema lives in the same database) and creates our queues. */
export async function startJobQueue(opts: {
  url: string;
  logger: Logger;
  pollSeconds?: number;
}): Promise<JobQueue> {
  // Plain polling: with LISTEN/NOTIFY on, pg-boss 12 picks up retries only on its slow backstop poll.
  const boss = new PgBoss({ connectionString: opts.url, max: 4 });
  let stopping = false;
  // While stopping, a connection cut by the database going down too (Ctrl-C signals the whole process
  // group) is expected, not an error worth a stack trace.
  boss.on('error', (error: unknown) =>
    stopping
      ? opts.logger.debug('job queue error while stopping', { error: String(error) })
      : opts.logger.error('job queue error', { error }),
  );
  await boss.start();
  for (const [name, options] of Object.entries(QUEUES)) {
    // 'stately' + a per-generation singletonKey: at most one waiting and one running job per generation
    // and queue, so a webhook burst, the poller and the sweeper cannot pile up duplicate work.
    await boss.createQueue(name, {
      ...options,
      policy: 'stately',
      retryBackoff: true,
      retryDelay: 1,
      retryDelayMax: 60,
    });
  }
  return {
    async send(name, data, sendOpts = {}) {
      await boss.send(name, data, {
        ...(sendOpts.db ? { db: asBossDb(sendOpts.db) } : {}),
        // pg-boss takes whole seconds; a sub-second delay means "as soon as possible".
        ...(sendOpts.startAfterSeconds && sendOpts.startAfterSeconds >= 1
          ? { startAfter: Math.round(sendOpts.startAfterSeconds) }
          : {}),
        singletonKey: sendOpts.singletonKey ?? data.generationId,
      });
    },
    async work(name, handler) {
      await boss.work<JobPayloads[typeof name]>(
        name,
        { pollingIntervalSeconds: opts.pollSeconds ?? 0.5, batchSize: 1, localConcurrency: 8 },
        async ([job]) => {
          if (!job) return;
          try {
            await handler(job.data);
          } catch (error) {
            opts.logger.warn('job failed; pg-boss retries it with backoff', {
              queue: name,
              retry: job.retryCount,
              error,
            });
            throw error;
          }
        },
      );
    },
    stop: () => {
      stopping = true;
      return boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
