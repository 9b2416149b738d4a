import type { DbOrTx } from '../../db/database';
import type { GenerationOrigin } from '../../db/types';
import { type AtelierEvent, type EventBus, publishEvent } from '../../events/event-bus';
import type { Logger } from '../../logger';
import type { ObjectStore } from '../../storage';
import { type NsfwPolicy, nsfwPolicyOf } from '../accounts/space-settings';
import * as repo from './deliveries.repo';
import { type GenerationView, toGenerationViews } from './generation-view';

export interface DeliveryView {
  deliveryId: number;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  origin: GenerationOrigin;
  /** The user's id on the delivering platform, for private delivery. */
  recipientPlatformUserId: string | null;
  /** The space's rule for results the provider flagged NSFW ('spoiler' when there is no space). */
  nsfwPolicy: NsfwPolicy;
  /** True when the result was flagged and the space blocks such results: its outputs carry no URLs. */
  withheld: boolean;
  generation: GenerationView;
}

/** How long a delivery handed to one bot connection stays its own before it is handed out again. */
export const DELIVERY_LEASE_SECONDS = 120;

/**
 * Hands the oldest unacknowledged, unleased deliveries of a platform to one bot connection by leasing
 * them to its process (`owner`); other processes (bot replicas) skip each other's rows, so no result
 * is posted twice. With `reclaimOwn` (a connection's first claim) the owner's own unexpired leases are
 * handed out again too: its previous connection may be gone without having given them back.
 */
export async function claimDeliveries(
  db: DbOrTx,
  platform: string,
  claim: { owner: string | null; reclaimOwn: boolean },
  limit = 50,
): Promise<number[]> {
  const own = claim.reclaimOwn && claim.owner !== null ? claim.owner : null;
  const ids = await repo.leaseDeliveries(db, platform, {
    seconds: DELIVERY_LEASE_SECONDS,
    owner: claim.owner,
    reclaimOwner: own,
    limit,
  });
  return ids.sort((x, y) => x - y);
}

/** Gives leased but unacknowledged deliveries back (a bot connection closed cleanly). */
export async function releaseDeliveries(db: DbOrTx, platform: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const released = await repo.releaseLeases(db, platform, ids);
  // Wake the platform's other connections (or this bot reconnecting) so they claim them again.
  const first = released[0];
  if (first) await publishEvent(db, { type: 'delivery', platform, deliveryId: first.id });
}

/** The given deliveries of a platform as bots see them (unacknowledged ones only), oldest first. */
export async function loadDeliveries(
  db: DbOrTx,
  storage: ObjectStore,
  platform: string,
  ids: readonly number[],
): Promise<DeliveryView[]> {
  if (ids.length === 0) return [];
  const rows = await repo.listUnacked(db, platform, ids);
  const views = await toGenerationViews(db, storage, rows);
  return rows.map((r, i) => {
    const generation = views[i]!;
    const nsfwPolicy = nsfwPolicyOf(r.space_settings);
    const withheld = generation.nsfw && nsfwPolicy === 'block';
    return {
      deliveryId: r.delivery_id,
      outcome: r.outcome,
      origin: r.origin,
      recipientPlatformUserId: r.recipient,
      nsfwPolicy,
      withheld,
      generation: withheld
        ? { ...generation, outputs: generation.outputs.map((o) => ({ ...o, url: null })) }
        : generation,
    };
  });
}

/** Marks deliveries as posted; repeats and other platforms' ids change nothing. Returns how many changed. */
export async function ackDeliveries(db: DbOrTx, platform: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return repo.markAcked(db, platform, ids);
}

const LEASE_RECHECK_MS = 15_000;
const CLAIM_BATCH = 50;
const sleep = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * Every unacknowledged delivery of a platform for one bot connection, then new ones as they happen,
 * until `signal` aborts. At-least-once: whatever the connection was handed but did not acknowledge
 * is released when it ends (or its lease expires after a crash) and handed out again.
 */
export async function* streamDeliveries(
  deps: { db: DbOrTx; storage: ObjectStore; events: EventBus; logger: Logger },
  platform: string,
  /** The bot process's own id, the same across its reconnects (see claimDeliveries); null for none. */
  consumerId: string | null,
  signal?: AbortSignal,
): AsyncGenerator<DeliveryView> {
  let reclaimOwn = consumerId !== null;
  // A resync (LISTEN came back after a blip) may hide missed deliveries: claim again at once.
  const isForMe = (e: AtelierEvent): e is Extract<AtelierEvent, { type: 'delivery' | 'resync' }> =>
    e.type === 'resync' || (e.type === 'delivery' && e.platform === platform);
  // Listen before the first claim so nothing committed in between is missed.
  const events = deps.events.stream(isForMe, signal)[Symbol.asyncIterator]();
  const handedOut: number[] = [];
  let nextEvent = events.next();
  try {
    while (!signal?.aborted) {
      for (;;) {
        const ids = await claimDeliveries(deps.db, platform, { owner: consumerId, reclaimOwn }, CLAIM_BATCH);
        reclaimOwn = false;
        for (const delivery of await loadDeliveries(deps.db, deps.storage, platform, ids)) {
          handedOut.push(delivery.deliveryId);
          yield delivery;
        }
        if (ids.length < CLAIM_BATCH) break;
      }
      // Wake on news, or now and then to pick up leases a crashed connection left to expire.
      const woke = await Promise.race([nextEvent, sleep(LEASE_RECHECK_MS)]);
      if (woke === 'timeout') continue;
      if (woke.done) return;
      nextEvent = events.next();
    }
  } finally {
    await events.return?.();
    // A clean disconnect hands back what was not acknowledged. Best effort: if this fails (say,
    // during shutdown) the leases simply expire.
    await releaseDeliveries(deps.db, platform, handedOut).catch((error: unknown) =>
      deps.logger.warn('could not release delivery leases; they will expire', { error: String(error) }),
    );
  }
}
