import type { DbOrTx } from '../../db/database';
import { AppError } from '../../errors';
import * as repo from './throttle.repo';

/** At most `limit` attempts per subject in each window of `windowSeconds`. */
export interface ThrottleRule {
  /** Part of the counter's key, e.g. `login:address`. */
  name: string;
  limit: number;
  windowSeconds: number;
  /** What the refused caller reads. */
  message: string;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Attempt counters kept in PostgreSQL, so every core replica counts against the same limit and a
 * restart does not reset it. Ended windows are deleted now and then as a side effect of counting.
 */
export class Throttle {
  private lastPruned = 0;

  constructor(private readonly db: DbOrTx) {}

  /** Counts one attempt by `subject`; RATE_LIMITED with `retryAfterSeconds` once it is over the limit. */
  async count(rule: ThrottleRule, subject: string): Promise<void> {
    const { attempts, secondsLeft } = await repo.countAttempt(
      this.db,
      `${rule.name}:${subject}`,
      rule.windowSeconds,
    );
    this.pruneNowAndThen();
    if (attempts > rule.limit) {
      throw new AppError('RATE_LIMITED', rule.message, { retryAfterSeconds: Math.max(1, secondsLeft) });
    }
  }

  private pruneNowAndThen(): void {
    if (Date.now() - this.lastPruned < PRUNE_EVERY_MS) return;
    this.lastPruned = Date.now();
    // Best effort: a failed prune only leaves a few ended rows for the next one.
    void repo.deleteEndedWindows(this.db, new Date()).catch(() => undefined);
  }
}
