import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';

// Queries only: the outbox of finished generations that bots post to their chats.

/**
 * Leases the oldest unacknowledged deliveries of a platform to `owner` for `seconds`: unleased ones,
 * expired ones, and `reclaimOwner`'s own unexpired ones. Concurrent connections (bot replicas) skip
 * each other's rows (SKIP LOCKED).
 */
export async function leaseDeliveries(
  db: DbOrTx,
  platform: string,
  lease: { seconds: number; owner: string | null; reclaimOwner: string | null; limit: number },
): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    update deliveries set lease_until = now() + make_interval(secs => ${lease.seconds}),
                          lease_owner = ${lease.owner}
     where id in (select id from deliveries
                   where platform = ${platform} and acked_at is null
                     and (lease_until is null or lease_until < now() or lease_owner = ${lease.reclaimOwner})
                   order by id limit ${lease.limit}
                   for update skip locked)
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

/** Drops the leases of unacknowledged deliveries; returns the ids released. */
export function releaseLeases(db: DbOrTx, platform: string, ids: readonly number[]) {
  return db
    .updateTable('deliveries')
    .set({ lease_until: null, lease_owner: null })
    .where('platform', '=', platform)
    .where('id', 'in', ids)
    .where('acked_at', 'is', null)
    .returning('id')
    .execute();
}

/** Unacknowledged deliveries with their generation, the recipient's id on the platform and the space's settings. */
export function listUnacked(db: DbOrTx, platform: string, ids: readonly number[]) {
  return db
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
}

/** Marks deliveries as posted; returns how many changed. */
export async function markAcked(db: DbOrTx, platform: string, ids: readonly number[]): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({ acked_at: new Date() })
    .where('platform', '=', platform)
    .where('id', 'in', ids)
    .where('acked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
