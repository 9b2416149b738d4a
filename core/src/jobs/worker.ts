import { releaseHold } from '../domain/credits/credits.service';
import * as generationRepo from '../domain/generation/generation.repo';
import {
  failGeneration,
  finalizeGeneration,
  type PipelineDeps,
  pollGeneration,
  submitGeneration,
} from '../domain/generation/pipeline';

export interface WorkerOptions {
  /** How often the sweeper looks for abandoned submits, stalled generations and orphaned holds (default 5 s). */
  sweepEverySeconds?: number;
  /** A generation whose state has not moved for this long is polled again (default 120 s). */
  stalledAfterSeconds?: number;
  /** A generation still running after this long fails and its credits come back (default 1 h). */
  giveUpAfterSeconds?: number;
  /**
   * With webhooks on, how long a submit whose worker died after sending waits for the provider's
   * webhook to name its request before it is sent again (default 10 min).
   */
  webhookGraceSeconds?: number;
}

export interface Worker {
  /** One sweep now (also run on a timer). */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The worker: pg-boss handlers for submit, poll and finalize, plus a sweeper that re-polls stalled
 * generations (a worker died mid-job), gives up on ones that never end, and resolves holds whose
 * generation ended or vanished. Any number of workers can run on one database.
 */
export async function startWorker(deps: PipelineDeps, opts: WorkerOptions = {}): Promise<Worker> {
  const { jobs, logger } = deps;
  await jobs.work('generation-submit', (d) => submitGeneration(deps, d.generationId));
  await jobs.work('generation-poll', (d) => pollGeneration(deps, d.generationId));
  await jobs.work('generation-finalize', (d) => finalizeGeneration(deps, d.generationId));

  const stalledAfter = (opts.stalledAfterSeconds ?? 120) * 1000;
  const giveUpAfter = (opts.giveUpAfterSeconds ?? 3600) * 1000;
  let sweeping: Promise<void> | null = null;

  const webhookGrace = (opts.webhookGraceSeconds ?? 600) * 1000;

  /**
   * A worker that died mid-submit leaves its generation queued under a lease that runs out within
   * seconds. If it died before sending, submit again at once. If the request may have reached the
   * provider and webhooks are on, the provider's webhook names the generation and adopts the request
   * (no second job); only after the grace period is it sent again, and counted in /metrics.
   */
  const recoverAbandonedSubmits = async () => {
    for (const g of await generationRepo.listAbandonedSubmits(deps.db, 100)) {
      const mayHaveArrived = g.submit_started_at !== null;
      if (
        mayHaveArrived &&
        deps.config.publicUrl &&
        Date.now() - g.submit_started_at!.getTime() < webhookGrace
      ) {
        continue;
      }
      // A key of its own: the dead worker's job still holds the generation's usual key until it expires.
      await jobs.send(
        'generation-submit',
        { generationId: g.id },
        { singletonKey: `${g.id}:recover:${g.submit_lease_until?.getTime() ?? 0}` },
      );
      logger.warn('recovering a submit its worker abandoned', { generationId: g.id, mayHaveArrived });
    }
  };

  const sweepOnce = async () => {
    await recoverAbandonedSubmits();
    const stalled = await generationRepo.listStalled(deps.db, new Date(Date.now() - stalledAfter), 100);
    for (const g of stalled) {
      const full = await generationRepo.findGeneration(deps.db, g.id);
      if (full && Date.now() - full.created_at.getTime() > giveUpAfter) {
        await failGeneration(
          deps,
          g.id,
          'The model took too long to answer, so nothing was charged. Please try again.',
        );
      } else if (g.status === 'queued' && !g.provider_request_id) {
        // A claimed submit is recovered above once its lease runs out.
        if (g.submit_lease_until === null) await jobs.send('generation-submit', { generationId: g.id });
      } else {
        await jobs.send('generation-poll', { generationId: g.id });
      }
    }
    const orphans = await generationRepo.listOrphanedHolds(deps.db, new Date(Date.now() - stalledAfter), 100);
    for (const o of orphans) {
      // A finished generation captured or released its hold in the same transaction, so a pending
      // hold here belongs to a generation that never got written or ended without its hold.
      await deps.db
        .transaction()
        .execute((tx) => releaseHold(tx, o.hold_id, 'The job behind this hold vanished'));
      logger.warn('released an orphaned hold', { holdId: o.hold_id, generationId: o.generation_id });
    }
  };

  const sweep = () => {
    sweeping ??= sweepOnce()
      .catch((error: unknown) => logger.error('sweep failed', { error }))
      .finally(() => {
        sweeping = null;
      });
    return sweeping;
  };
  const timer = setInterval(() => void sweep(), (opts.sweepEverySeconds ?? 5) * 1000);
  timer.unref();

  return {
    sweep,
    stop: async () => {
      clearInterval(timer);
      await sweeping;
    },
  };
}
