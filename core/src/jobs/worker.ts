import { within } from '../db/within';
import { releaseHold } from '../domain/credits/credits.service';
import * as generationRepo from '../domain/generation/generation.repo';
import type { Dispatch } from '../domain/generation/generation.service';
import {
  failGeneration,
  finalizeGeneration,
  type PipelineDeps,
  pollGeneration,
  submitGeneration,
} from '../domain/generation/pipeline';
import type { EventBus } from '../events/event-bus';
import type { JobName, JobQueue } from './job-queue';
import { TaskLimit } from './task-limit';

export interface WorkerOptions {
  /** How often the sweeper looks for unclaimed or abandoned submits, stalled generations and orphaned holds (default 5 s). */
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
  /** Provider calls (submits and polls) this process runs at once; more wait their turn (default 64). */
  concurrency?: number;
}

/** The pipeline as a process runs it: dispatch target for accepted work, plus the sweeper. */
export interface Worker extends Dispatch {
  /** One sweep now (also run on a timer, at start and after LISTEN reconnects). */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

const SWEEP_TIMEOUT_MS = 30_000;

/** A submit that may have reached the provider is sent again at most this often before the job fails. */
const MAX_RESUBMITS = 3;

/** A queued generation nobody claimed for this long is taken by the sweeper (the accepting process died). */
const UNCLAIMED_GRACE_SECONDS = 2;

/**
 * Runs the generation pipeline in this process, off the job queue's hot path: work accepted here is
 * submitted right after its commit, status polls are timers, and the provider's webhook finalizes
 * in core. The generation row is the durable record, so nothing is lost with the process: the sweeper
 * of any process (woken by a timer, by NOTIFY from a core without a worker, and on start) submits
 * queued work nobody claimed, re-sends submits whose worker let its lease run out, polls generations
 * that went quiet, gives up on ones that never end and resolves holds whose generation ended or
 * vanished. pg-boss carries the slow path only: retries with back-off after a transient failure.
 * Any number of workers can run on one database.
 */
export async function startWorker(
  deps: Omit<PipelineDeps, 'dispatch' | 'schedulePoll'> & { jobs: JobQueue; events: EventBus },
  opts: WorkerOptions = {},
): Promise<Worker> {
  const { jobs, logger } = deps;
  const limit = new TaskLimit(opts.concurrency ?? 64);
  const polls = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  /** After a transient failure the step goes to the job queue, which retries it with back-off. */
  const retryLater = (name: JobName, generationId: string, error: unknown) => {
    if (stopped) return;
    logger.warn('pipeline step failed; the job queue retries it', { step: name, generationId, error });
    jobs.send(name, { generationId }, { startAfterSeconds: 1 }).catch((sendError: unknown) => {
      // The database is out of reach too: the sweeper finds the generation once it is back.
      logger.warn('could not queue a retry; the sweeper will find it', {
        step: name,
        generationId,
        error: String(sendError),
      });
    });
  };

  const worker: Worker = {
    inProcess: true,
    submit(generationId) {
      if (stopped) return;
      limit
        .run(() => submitGeneration(pipeline, generationId))
        .catch((error: unknown) => retryLater('generation-submit', generationId, error));
    },
    ended(generationId) {
      clearTimeout(polls.get(generationId));
      polls.delete(generationId);
    },
    sweep: () => sweep(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      for (const poll of polls.values()) clearTimeout(poll);
      polls.clear();
      await sweeping;
      // Work in flight finishes; a task stuck on a lost connection does not hold the shutdown up.
      await within(limit.idle(), 10_000, 'the pipeline going idle').catch(() => {});
    },
  };

  const schedulePoll = (generationId: string, seconds: number) => {
    if (stopped) return;
    clearTimeout(polls.get(generationId));
    const poll = setTimeout(() => {
      polls.delete(generationId);
      limit
        .run(() => pollGeneration(pipeline, generationId))
        .catch((error: unknown) => retryLater('generation-poll', generationId, error));
    }, seconds * 1000);
    poll.unref();
    polls.set(generationId, poll);
  };

  const pipeline: PipelineDeps = { ...deps, dispatch: worker, schedulePoll };
  await jobs.work('generation-submit', (d) => submitGeneration(pipeline, d.generationId));
  await jobs.work('generation-poll', (d) => pollGeneration(pipeline, d.generationId));
  await jobs.work('generation-finalize', (d) => finalizeGeneration(pipeline, d.generationId));

  const stalledAfter = (opts.stalledAfterSeconds ?? 120) * 1000;
  const giveUpAfter = (opts.giveUpAfterSeconds ?? 3600) * 1000;
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
      if (mayHaveArrived && g.resubmits >= MAX_RESUBMITS) {
        // Sent again and again without ever being recorded: something is wrong on our side, and every
        // attempt may cost a provider job. Stop, give the credits back, say so.
        logger.error('giving up on a submit that was sent repeatedly but never recorded', {
          generationId: g.id,
        });
        await failGeneration(
          deps,
          g.id,
          'We could not start this job; nothing was charged. Please try again in a while.',
        );
        continue;
      }
      logger.warn('recovering a submit its worker abandoned', { generationId: g.id, mayHaveArrived });
      worker.submit(g.id);
    }
  };

  const sweepOnce = async (unclaimedGraceSeconds: number) => {
    for (const g of await generationRepo.listUnclaimedQueued(deps.db, unclaimedGraceSeconds, 100)) {
      worker.submit(g.id);
    }
    await recoverAbandonedSubmits();
    const staleSince = new Date(Date.now() - stalledAfter);
    for (const g of await generationRepo.listStalled(deps.db, staleSince, 100)) {
      if (Date.now() - g.created_at.getTime() > giveUpAfter) {
        await failGeneration(
          deps,
          g.id,
          'The model took too long to answer, so nothing was charged. Please try again.',
        );
      } else if (await generationRepo.claimStalled(deps.db, g.id, staleSince)) {
        // Claimed: no other sweeper polls it until it goes quiet again.
        schedulePoll(g.id, 0);
      }
    }
    const orphans = await generationRepo.listOrphanedHolds(deps.db, staleSince, 100);
    for (const o of orphans) {
      // A finished generation captured or released its hold in the same transaction, so a pending
      // hold here belongs to a generation that never got written or ended without its hold.
      await deps.db
        .transaction()
        .execute((tx) => releaseHold(tx, o.hold_id, 'The job behind this hold vanished'));
      logger.warn('released an orphaned hold', { holdId: o.hold_id, generationId: o.generation_id });
    }
  };

  let sweeping: Promise<void> | null = null;
  const sweep = (unclaimedGraceSeconds = UNCLAIMED_GRACE_SECONDS) => {
    if (stopped) return Promise.resolve();
    // A sweep whose query never answers (a lost connection) must not stop every later sweep.
    sweeping ??= within(sweepOnce(unclaimedGraceSeconds), SWEEP_TIMEOUT_MS, 'a sweep')
      .catch((error: unknown) => logger.error('sweep failed', { error }))
      .finally(() => {
        sweeping = null;
      });
    return sweeping;
  };
  const timer = setInterval(() => void sweep(), (opts.sweepEverySeconds ?? 5) * 1000);
  timer.unref();
  // Work a core without a worker accepted, announced over NOTIFY; after a reconnect, look again.
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.type === 'submit') worker.submit(event.generationId);
    else if (event.type === 'resync') void sweep(0);
  });
  // Whatever is waiting now (accepted while no worker ran) is nobody's: take it at once.
  await sweep(0);
  return worker;
}
