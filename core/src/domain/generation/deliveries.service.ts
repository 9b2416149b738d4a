import type { DbOrTx } from '../../db/database';
import type { GenerationOrigin } from '../../db/types';
import type { ObjectStore } from '../../storage';
import { type GenerationView, toGenerationViews } from './generation-view';

export interface DeliveryView {
  deliveryId: number;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  origin: GenerationOrigin;
  /** The user's id on the delivering platform, for private delivery. */
  recipientPlatformUserId: string | null;
  generation: GenerationView;
}

/** Deliveries of a platform not yet acknowledged, oldest first, after `afterId`. */
export async function pendingDeliveries(
  db: DbOrTx,
  storage: ObjectStore,
  platform: string,
  afterId: number,
  limit = 50,
): Promise<DeliveryView[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('generations', 'generations.id', 'deliveries.generation_id')
    .leftJoin('identities', (join) =>
      join
        .onRef('identities.user_id', '=', 'deliveries.user_id')
        .on('identities.platform', '=', platform as never),
    )
    .selectAll('generations')
    .select([
      'deliveries.id as delivery_id',
      'deliveries.outcome',
      'identities.platform_user_id as recipient',
    ])
    .where('deliveries.platform', '=', platform)
    .where('deliveries.acked_at', 'is', null)
    .where('deliveries.id', '>', afterId)
    .orderBy('deliveries.id')
    .limit(limit)
    .execute();
  const views = await toGenerationViews(db, storage, rows);
  return rows.map((r, i) => ({
    deliveryId: r.delivery_id,
    outcome: r.outcome,
    origin: r.origin,
    recipientPlatformUserId: r.recipient,
    generation: views[i]!,
  }));
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
