import { sql } from 'kysely';
import postgres from 'postgres';
import type { DbOrTx } from '../db/database';
import type { Logger } from '../logger';

/**
 * Cross-process notifications over PostgreSQL LISTEN/NOTIFY. Published inside a transaction they are
 * delivered on commit only, so a listener never hears of a row it cannot read yet. Events carry ids
 * only; listeners re-read the truth from the database.
 */
export type AtelierEvent =
  | { type: 'generation'; generationId: string; userId: string }
  | { type: 'delivery'; platform: string; deliveryId: number }
  /** Work was accepted by a process that does not submit it itself: a worker should. */
  | { type: 'submit'; generationId: string }
  /** An admin changed a setting every request reads (models, block list): cached copies are stale. */
  | { type: 'settings' }
  /** A user's settings or role changed, or a link merged them: cached copies of the user are stale. */
  | { type: 'user'; userId: string }
  /**
   * Local only, never published: LISTEN was set up again after its connection was lost, so events
   * sent in between were missed. Listeners re-read whatever they wait for.
   */
  | { type: 'resync' };

const CHANNEL = 'atelier_events';

export interface EventBus {
  publish(db: DbOrTx, event: Exclude<AtelierEvent, { type: 'resync' }>): Promise<void>;
  /** Calls `listener` for every event from any process; returns the unsubscribe function. */
  subscribe(listener: (event: AtelierEvent) => void): () => void;
  /** Async iterator of events matching `filter` until `signal` aborts. */
  stream<T extends AtelierEvent>(filter: (e: AtelierEvent) => e is T, signal?: AbortSignal): AsyncIterable<T>;
  close(): Promise<void>;
}

export type PublishedEvent = Exclude<AtelierEvent, { type: 'resync' }>;

export async function publishEvent(db: DbOrTx, event: PublishedEvent): Promise<void> {
  await publishEvents(db, [event]);
}

/** Several events in one statement (one round trip), delivered in order on commit. */
export async function publishEvents(db: DbOrTx, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const calls = events.map((event) => sql`pg_notify(${CHANNEL}, ${JSON.stringify(event)})`);
  await sql`select ${sql.join(calls)}`.execute(db);
}

/**
 * The SQL that announces a generation's change from inside a statement that returns the generation
 * row as `row` (an UPDATE ... RETURNING in a CTE), so the change and its NOTIFY take one round trip.
 */
export function notifyGenerationChanged(row: string) {
  return sql<string>`pg_notify(${CHANNEL}, json_build_object('type', 'generation', 'generationId', ${sql.ref(`${row}.id`)}, 'userId', ${sql.ref(`${row}.user_id`)})::text)`;
}

export async function createEventBus(url: string, logger: Logger): Promise<EventBus> {
  const listeners = new Set<(event: AtelierEvent) => void>();
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const emit = (event: AtelierEvent) => {
    for (const listener of listeners) listener(event);
  };
  let listening = false;
  await client.listen(
    CHANNEL,
    (payload) => {
      let event: AtelierEvent;
      try {
        event = JSON.parse(payload) as AtelierEvent;
      } catch {
        logger.warn('ignoring a malformed event', { payload: payload.slice(0, 200) });
        return;
      }
      emit(event);
    },
    // postgres.js calls this on the first LISTEN and again after every reconnect.
    () => {
      if (listening) {
        logger.info('event listener reconnected; waiting streams re-read their state');
        emit({ type: 'resync' });
      }
      listening = true;
    },
  );

  const subscribe = (listener: (event: AtelierEvent) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  return {
    publish: publishEvent,
    subscribe,
    stream<T extends AtelierEvent>(
      filter: (e: AtelierEvent) => e is T,
      signal?: AbortSignal,
    ): AsyncIterable<T> {
      return {
        [Symbol.asyncIterator]() {
          const queue: T[] = [];
          let wake: (() => void) | null = null;
          const unsubscribe = subscribe((e) => {
            if (!filter(e)) return;
            queue.push(e);
            wake?.();
          });
          const aborted = () => wake?.();
          signal?.addEventListener('abort', aborted);
          return {
            async next(): Promise<IteratorResult<T>> {
              while (queue.length === 0 && !signal?.aborted) {
                await new Promise<void>((resolve) => {
                  wake = resolve;
                });
                wake = null;
              }
              if (signal?.aborted) {
                unsubscribe();
                return { done: true, value: undefined };
              }
              return { done: false, value: queue.shift()! };
            },
            async return(): Promise<IteratorResult<T>> {
              unsubscribe();
              signal?.removeEventListener('abort', aborted);
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
    close: async () => {
      listeners.clear();
      await client.end({ timeout: 2 });
    },
  };
}
