import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';
import type { GenerationOrigin } from '../../db/types';
import { publishEvent } from '../../events/event-bus';
import type { ObjectStore } from '../../storage';
import { type NsfwPolicy, nsfwPolicyOf } from '../accounts/space-settings';
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
  const { rows } = await sql<{ id: number }>`
    update deliveries set lease_until = now() + make_interval(secs => ${DELIVERY_LEASE_SECONDS}),
                          lease_owner = ${claim.owner}
     where id in (select id from deliveries
                   where platform = ${platform} and acked_at is null
                     and (lease_until is null or lease_until < now() or lease_owner = ${own})
                   order by id limit ${limit}
                   for update skip locked)
    returning id`.execute(db);
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Gives leased but unacknowledged deliveries back (a bot connection closed cleanly). */
export async function releaseDeliveries(db: DbOrTx, platform: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const released = await db
    .updateTable('deliveries')
    .set({ lease_until: null, lease_owner: null })
    .where('platform', '=', platform)
    .where('id', 'in', ids)
    .where('acked_at', 'is', null)
    .returning('id')
    .execute();
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
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('generations', 'generations.id', 'deliveries.generation_id')
    .leftJoin('identities', (join) =>
      join
        .onRef('identities.user_id', '=', 'deliveries.user_id')
        .on('identities.platform', '=', platform as never),
    )
    .leftJoin('spaces', 'spaces.id', 'generations.space_id')
    .selectAll('generations')
    .select([
      'spaces.settings as space_settings',
      'deliveries.id as delivery_id',
      'deliveries.outcome',
      'identities.platform_user_id as recipient',
    ])
    .where('deliveries.platform', '=', platform)
    .where('deliveries.acked_at', 'is', null)
    .where('deliveries.id', 'in', ids)
    .orderBy('deliveries.id')
    .execute();
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
  const result = await db
    .updateTable('deliveries')
    .set({ acked_at: new Date() })
    .where('platform', '=', platform)
    .where('id', 'in', ids)
    .where('acked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
