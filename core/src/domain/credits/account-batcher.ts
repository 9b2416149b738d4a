import { type Db, isDatabaseUnavailable, pipelinedTransaction, type Tx } from '../../db/database';
import { within } from '../../db/within';

interface Unit {
  lane: string;
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Longer than any healthy transaction here takes; see `drain`. */
const BATCH_TIMEOUT_MS = 20_000;

/** A unit failed inside a shared transaction: the batch is rolled back and its units run alone. */
class UnitFailed extends Error {}

/**
 * The queue a generation's money moves under: its space's (where a team pool usually pays) or, in a
 * direct chat, its user's. Accepting and finishing use the same key, so they batch together.
 */
export function payerQueueKey(spaceId: string | null, userId: string): string {
  return spaceId ? `space:${spaceId}` : `user:${userId}`;
}

/**
 * Group commit for busy credit pools. Transactions that move one pool's balance (accepting a
 * generation holds its price, finishing one captures or releases it) queue under a key for that pool;
 * while a transaction for the key is in flight, the next ones wait and then run together in ONE
 * transaction. One row lock hand-off and one commit serve the whole batch instead of one each, which
 * is what limits a hot pool (every transaction on it waits for the previous one's commit).
 *
 * Nothing about the ledger changes: every unit runs its own statements (its conditional reserve sees
 * the units before it in the same transaction, so a batch never overspends) and its own idempotency
 * keys. Units of different lanes (users) run concurrently on the batch's connection, and their
 * statements are pipelined (see `pipelinedTransaction`): one round trip carries many units' work; units of one lane run in order, so a user's rate and concurrency counts
 * see their own earlier work. If any unit fails, the whole batch is rolled back and every unit runs
 * again alone, in arrival order: a refusal (no credits left, a limit) costs the others nothing, and
 * exactly the budget is granted. A unit may therefore run twice and must only touch the database.
 */
export class AccountBatcher {
  private static readonly perDatabase = new WeakMap<Db, AccountBatcher>();

  /** The one batcher of a database handle: batching only helps when all its work queues together. */
  static for(db: Db): AccountBatcher {
    let batcher = AccountBatcher.perDatabase.get(db);
    if (!batcher) {
      batcher = new AccountBatcher(db);
      AccountBatcher.perDatabase.set(db, batcher);
    }
    return batcher;
  }

  private readonly queues = new Map<string, Unit[]>();

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 64,
  ) {}

  /** Runs `work` in a transaction, possibly shared with other work under the same `key`. */
  run<T>(key: string, lane: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const unit: Unit = { lane, work, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(unit);
        return;
      }
      this.queues.set(key, [unit]);
      void this.drain(key);
    });
  }

  /**
   * Runs the key's queue batch after batch until it is empty; the queue's presence means "in flight".
   * A batch that does not settle within BATCH_TIMEOUT_MS (its connection was lost and the query never
   * answered) fails its units as "database unavailable" and the queue moves on: their callers retry,
   * and whatever the stuck transaction did, it did atomically.
   */
  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      const run = batch.length === 1 ? this.runAlone(batch[0]!) : this.runTogether(batch);
      await within(run, BATCH_TIMEOUT_MS, 'a credits transaction').catch((error: unknown) => {
        for (const unit of batch) unit.reject(error);
      });
    }
    this.queues.delete(key);
  }

  private async runAlone(unit: Unit): Promise<void> {
    try {
      unit.resolve(await this.db.transaction().execute((tx) => unit.work(tx)));
    } catch (error) {
      unit.reject(error);
    }
  }

  private async runTogether(batch: Unit[]): Promise<void> {
    const lanes = new Map<string, Unit[]>();
    for (const unit of batch) lanes.set(unit.lane, [...(lanes.get(unit.lane) ?? []), unit]);
    let results: Map<Unit, unknown>;
    try {
      results = await pipelinedTransaction(this.db, async (tx) => {
        const done = new Map<Unit, unknown>();
        const settled = await Promise.allSettled(
          [...lanes.values()].map(async (units) => {
            for (const unit of units) done.set(unit, await unit.work(tx));
          }),
        );
        if (settled.some((s) => s.status === 'rejected')) throw new UnitFailed();
        return done;
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // The connection failed, perhaps during the commit: whether it happened is unknown, as it
        // would be for each unit alone, so each caller hears of the failure.
        for (const unit of batch) unit.reject(error);
        return;
      }
      // A unit failed, or the commit refused the batch: nothing was written; each runs alone.
      for (const unit of batch) await this.runAlone(unit);
      return;
    }
    for (const unit of batch) unit.resolve(results.get(unit));
  }
}
