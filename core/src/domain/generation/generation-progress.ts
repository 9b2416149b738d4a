import type { Db } from '../../db/database';
import type { AtelierEvent, EventBus } from '../../events/event-bus';
import type { ObjectStore } from '../../storage';
import { ACTIVE_STATUSES } from './generation.repo';
import { getGeneration, ownedGeneration } from './generation.service';
import type { GenerationView } from './generation-view';

/**
 * The owner's view of a generation now, then again each time it changes (queue position, percent,
 * the end), until it has ended or `signal` aborts. NOT_FOUND for anyone else's.
 */
export async function* followGeneration(
  deps: { db: Db; storage: ObjectStore; events: EventBus },
  userId: string,
  id: string,
  signal?: AbortSignal,
): AsyncGenerator<GenerationView> {
  await ownedGeneration(deps.db, userId, id);
  const isMine = (e: AtelierEvent): e is Extract<AtelierEvent, { type: 'generation' }> =>
    e.type === 'generation' && e.generationId === id;
  // Listen before the first read so no change in between is missed.
  const events = deps.events.stream(isMine, signal)[Symbol.asyncIterator]();
  try {
    let view = await getGeneration(deps, userId, id);
    yield view;
    while (ACTIVE_STATUSES.includes(view.status)) {
      const next = await events.next();
      if (next.done) return;
      view = await getGeneration(deps, userId, id);
      yield view;
    }
  } finally {
    await events.return?.();
  }
}
