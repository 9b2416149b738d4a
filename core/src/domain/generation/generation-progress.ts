import { type Db, isDatabaseUnavailable } from '../../db/database';
import type { AtelierEvent, EventBus } from '../../events/event-bus';
import type { ObjectStore } from '../../storage';
import { ACTIVE_STATUSES } from './generation.repo';
import { getGeneration, ownedGeneration } from './generation.service';
import type { GenerationView } from './generation-view';

const RECHECK_MS = 5_000;
const sleep = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

const progressed = (a: GenerationView, b: GenerationView) =>
  a.status !== b.status || a.queuePosition !== b.queuePosition || a.progress !== b.progress;

/**
 * The owner's view of a generation now, then again each time it changes (queue position, percent,
 * the end), until it has ended or `signal` aborts. NOT_FOUND for anyone else's. Events only wake it:
 * it re-reads the row on each, after LISTEN reconnects (a resync), and every few seconds anyway, so a
 * notification lost in a database blip never leaves the stream hanging.
 */
export async function* followGeneration(
  deps: { db: Db; storage: ObjectStore; events: EventBus },
  userId: string,
  id: string,
  signal?: AbortSignal,
): AsyncGenerator<GenerationView> {
  await ownedGeneration(deps.db, userId, id);
  const wakesMe = (e: AtelierEvent): e is Extract<AtelierEvent, { type: 'generation' | 'resync' }> =>
    e.type === 'resync' || (e.type === 'generation' && e.generationId === id);
  // Listen before the first read so no change in between is missed.
  const events = deps.events.stream(wakesMe, signal)[Symbol.asyncIterator]();
  try {
    let view = await getGeneration(deps, userId, id);
    yield view;
    let nextEvent = events.next();
    while (ACTIVE_STATUSES.includes(view.status)) {
      const woke = await Promise.race([nextEvent, sleep(RECHECK_MS)]);
      if (woke !== 'timeout') {
        if (woke.done) return;
        nextEvent = events.next();
      }
      let next: GenerationView;
      try {
        next = await getGeneration(deps, userId, id);
      } catch (error) {
        // The database is out of reach for a moment: keep the stream open and look again later.
        if (isDatabaseUnavailable(error)) continue;
        throw error;
      }
      if (woke !== 'timeout' || progressed(view, next)) yield next;
      view = next;
    }
  } finally {
    await events.return?.();
  }
}
