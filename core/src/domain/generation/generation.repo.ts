import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../db/database';
import type {
  GalleryState,
  GenerationOrigin,
  GenerationOutputRow,
  GenerationOutputsTable,
  GenerationRow,
  GenerationStatus,
} from '../../db/types';
import { notifyGenerationChanged } from '../../events/event-bus';

// Queries only.

export const ACTIVE_STATUSES: GenerationStatus[] = ['queued', 'submitted', 'processing'];

export function findGeneration(db: DbOrTx, id: string): Promise<GenerationRow | undefined> {
  return db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByRequestKey(
  db: DbOrTx,
  userId: string,
  scope: string,
  key: string,
): Promise<GenerationRow | undefined> {
  return db
    .selectFrom('generations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('request_scope', '=', scope)
    .where('request_key', '=', key)
    .executeTakeFirst();
}

/** Clears the keys of `fromUserId`'s generations that `toUserId` also used in the same scope. */
export function clearClashingRequestKeys(tx: Tx, fromUserId: string, toUserId: string) {
  return tx
    .updateTable('generations as g')
    .set({ request_key: null, request_scope: null })
    .where('g.user_id', '=', fromUserId)
    .where('g.request_key', 'is not', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('generations as other')
          .select('other.id')
          .where('other.user_id', '=', toUserId)
          .whereRef('other.request_scope', '=', 'g.request_scope')
          .whereRef('other.request_key', '=', 'g.request_key'),
      ),
    )
    .execute();
}

export function findByProviderRequest(db: DbOrTx, provider: string, requestId: string) {
  return db
    .selectFrom('generations')
    .selectAll()
    .where('provider', '=', provider as 'fal' | 'demo')
    .where('provider_request_id', '=', requestId)
    .executeTakeFirst();
}

/** Serializes one user's creates so rate and concurrency limits cannot be raced past. */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}

export async function countRecentAndActive(tx: Tx, userId: string, since: Date) {
  const row = await tx
    .selectFrom('generations')
    .select([
      sql<number>`count(*) filter (where created_at > ${since})::int`.as('recent'),
      sql<number>`count(*) filter (where status in ('queued', 'submitted', 'processing'))::int`.as('active'),
    ])
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('created_at', '>', since), eb('status', 'in', ACTIVE_STATUSES)]))
    .executeTakeFirstOrThrow();
  return row;
}

export function insertGeneration(
  tx: Tx,
  row: {
    id: string;
    user_id: string;
    space_id: string | null;
    account_id: string;
    hold_id: string;
    model_id: string;
    category: GenerationRow['category'];
    input: Record<string, unknown>;
    prompt: string | null;
    price: number;
    provider: 'fal' | 'demo';
    rerolled_from: string | null;
    request_key: string | null;
    request_scope: string | null;
    origin: GenerationOrigin;
  },
): Promise<GenerationRow> {
  return tx
    .insertInto('generations')
    .values({ ...row, updated_at: new Date() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Records the provider's request id (and queue position) once submitted (only while still queued),
 * and announces the change in the same statement.
 */
export function markSubmitted(
  db: DbOrTx,
  id: string,
  providerRequestId: string,
  queuePosition: number | null = null,
) {
  return db
    .with('u', (q) =>
      q
        .updateTable('generations')
        .set({
          status: 'submitted',
          provider_request_id: providerRequestId,
          queue_position: queuePosition,
          submitted_at: new Date(),
          submit_lease_until: null,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .returning(['id', 'user_id']),
    )
    .selectFrom('u')
    .select(['u.id', notifyGenerationChanged('u').as('notified')])
    .executeTakeFirst();
}

/**
 * Takes the submit of a queued generation for `leaseSeconds`: only one worker at a time, and a dead
 * worker's claim runs out by itself. Returns the row as it was (its `submit_started_at` tells whether
 * an earlier submit may have reached the provider), or undefined when someone else holds it.
 */
export function claimSubmit(db: DbOrTx, id: string, leaseSeconds: number) {
  return db
    .updateTable('generations')
    .set({ submit_lease_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('provider_request_id', 'is', null)
    .where((eb) =>
      eb.or([eb('submit_lease_until', 'is', null), eb('submit_lease_until', '<', sql<Date>`now()`)]),
    )
    .returningAll()
    .executeTakeFirst();
}

export function renewSubmitLease(db: DbOrTx, id: string, leaseSeconds: number) {
  return db
    .updateTable('generations')
    .set({ submit_lease_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/** Gives the submit back (a retry may claim it at once); `refused` also clears the intent. */
export function releaseSubmitLease(db: DbOrTx, id: string, opts: { refused: boolean }) {
  return db
    .updateTable('generations')
    .set({ submit_lease_until: null, ...(opts.refused ? { submit_started_at: null } : {}) })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/** Marks that the request is about to be sent; counts a resend when an earlier one may have got there. */
export function markSubmitIntent(db: DbOrTx, id: string, resend: boolean) {
  return db
    .updateTable('generations')
    .set((eb) => ({
      submit_started_at: new Date(),
      ...(resend ? { resubmits: eb('resubmits', '+', 1) } : {}),
    }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .execute();
}

/**
 * The provider told us (a signed webhook naming this generation) which request it ran for a submit
 * whose answer we never stored, because the worker died in between: record it instead of sending again.
 */
export function adoptProviderRequest(db: DbOrTx, id: string, providerRequestId: string) {
  return db
    .updateTable('generations')
    .set({
      status: 'submitted',
      provider_request_id: providerRequestId,
      submitted_at: new Date(),
      submit_lease_until: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('provider_request_id', 'is', null)
    .where('submit_started_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

/** Queued generations whose submitting worker let its lease run out (it died or hung). */
export function listAbandonedSubmits(db: DbOrTx, limit: number) {
  return db
    .selectFrom('generations')
    .select(['id', 'submit_started_at', 'submit_lease_until', 'resubmits'])
    .where('status', '=', 'queued')
    .where('submit_lease_until', '<', sql<Date>`now()`)
    .orderBy('submit_lease_until')
    .limit(limit)
    .execute();
}

/** Resends after a submit that may have reached the provider, over all generations. */
export async function countResubmits(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom('generations')
    .select(sql<number>`coalesce(sum(resubmits), 0)::int`.as('total'))
    .executeTakeFirstOrThrow();
  return row.total;
}

export function countSubmitAttempt(db: DbOrTx, id: string) {
  return db
    .updateTable('generations')
    .set((eb) => ({ submit_attempts: eb('submit_attempts', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .returning('submit_attempts')
    .executeTakeFirst();
}

export function updateProgress(
  db: DbOrTx,
  id: string,
  progress: {
    status: 'submitted' | 'processing';
    queuePosition: number | null;
    progress: number | null;
    log: string | null;
  },
) {
  return db
    .updateTable('generations')
    .set({
      status: progress.status,
      queue_position: progress.queuePosition,
      progress: progress.progress,
      last_log: progress.log,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', 'in', ['submitted', 'processing'])
    .returningAll()
    .executeTakeFirst();
}

/** The exactly-once gate of every ending: only an active generation can reach a final state. */
export function finishGeneration(
  tx: Tx,
  id: string,
  outcome: { status: 'succeeded' | 'failed' | 'cancelled'; failureReason?: string | null; nsfw?: boolean },
): Promise<GenerationRow | undefined> {
  return tx
    .updateTable('generations')
    .set({
      status: outcome.status,
      failure_reason: outcome.failureReason ?? null,
      nsfw: outcome.nsfw ?? false,
      progress: outcome.status === 'succeeded' ? 100 : null,
      queue_position: null,
      finished_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE_STATUSES)
    .returningAll()
    .executeTakeFirst();
}

export function insertOutputs(tx: Tx, rows: Insertable<GenerationOutputsTable>[]) {
  if (rows.length === 0) return Promise.resolve([]);
  return tx.insertInto('generation_outputs').values(rows).execute();
}

/** Writes the outbox row for an outcome; a second call for the same outcome writes nothing. */
export function insertDelivery(
  tx: Tx,
  row: {
    generation_id: string;
    outcome: 'succeeded' | 'failed' | 'cancelled';
    platform: string;
    user_id: string;
    space_id: string | null;
  },
) {
  return tx
    .insertInto('deliveries')
    .values(row)
    .onConflict((oc) => oc.columns(['generation_id', 'outcome']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** Generations whose provider has gone quiet for longer than `staleSince`: the sweeper polls them again. */
export function listStalled(db: DbOrTx, staleSince: Date, limit: number) {
  return db
    .selectFrom('generations')
    .select(['id', 'status', 'created_at'])
    .where('status', 'in', ACTIVE_STATUSES)
    .where('updated_at', '<', staleSince)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}

/**
 * Takes a stalled, submitted generation for one sweeper: marks it as moving again so that the others
 * leave it alone until it goes quiet once more. False when another sweeper (or progress) came first.
 */
export async function claimStalled(db: DbOrTx, id: string, staleSince: Date): Promise<boolean> {
  const row = await db
    .updateTable('generations')
    .set({ updated_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', ['submitted', 'processing'])
    .where('updated_at', '<', staleSince)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Queued generations that no process has claimed for `graceSeconds`: the process that accepted them
 * died before submitting (or runs no pipeline and its NOTIFY was missed). One that already failed a
 * submit waits for its retry with back-off, for a minute at least, before the sweeper steps in.
 */
export function listUnclaimedQueued(db: DbOrTx, graceSeconds: number, limit: number) {
  return db
    .selectFrom('generations')
    .select('id')
    .where('status', '=', 'queued')
    .where('provider_request_id', 'is', null)
    .where('submit_lease_until', 'is', null)
    .where(
      'updated_at',
      '<',
      sql<Date>`now() - make_interval(secs => case when submit_attempts = 0 then ${graceSeconds}::float8 else greatest(${graceSeconds}::float8, 60) end)`,
    )
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}

/** Pending holds whose generation has ended (or never existed): they must be resolved. */
export function listOrphanedHolds(db: DbOrTx, olderThan: Date, limit: number) {
  return db
    .selectFrom('credit_holds')
    .leftJoin('generations', 'generations.hold_id', 'credit_holds.id')
    .select(['credit_holds.id as hold_id', 'generations.id as generation_id', 'generations.status'])
    .where('credit_holds.status', '=', 'pending')
    .where('credit_holds.created_at', '<', olderThan)
    .where('credit_holds.reference', 'like', 'generation:%')
    .where((eb) =>
      eb.or([eb('generations.id', 'is', null), eb('generations.status', 'not in', ACTIVE_STATUSES)]),
    )
    .limit(limit)
    .execute();
}

/** The user's own ready upload, if `id` is one. */
export function findReadyUpload(db: DbOrTx, userId: string, id: string) {
  return db
    .selectFrom('uploads')
    .select(['storage_key', 'mime', 'kind', 'filename'])
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('status', '=', 'ready')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The first output of the user's own finished generation, if `id` is one. */
export function findFirstOutput(db: DbOrTx, userId: string, id: string) {
  return db
    .selectFrom('generation_outputs')
    .innerJoin('generations', 'generations.id', 'generation_outputs.generation_id')
    .select(['generation_outputs.storage_key', 'generation_outputs.media_type', 'generation_outputs.kind'])
    .where('generations.id', '=', id)
    .where('generations.user_id', '=', userId)
    .where('generations.status', '=', 'succeeded')
    .where('generations.deleted_at', 'is', null)
    .orderBy('generation_outputs.position')
    .executeTakeFirst();
}

/** Outputs with stored bytes of these generations. */
export function listStoredOutputs(db: DbOrTx, generationIds: readonly string[]) {
  return db
    .selectFrom('generation_outputs')
    .select(['generation_id', 'position', 'storage_key', 'media_type'])
    .where('generation_id', 'in', generationIds)
    .where('storage_key', 'is not', null)
    .$narrowType<{ storage_key: string }>()
    .orderBy('generation_id')
    .orderBy('position')
    .execute();
}

/** Outputs of the given generations, in position order. */
export function listOutputs(db: DbOrTx, generationIds: readonly string[]) {
  return db
    .selectFrom('generation_outputs')
    .selectAll()
    .where('generation_id', 'in', generationIds)
    .orderBy('position')
    .execute();
}

/** Points an output at its new storage key, only if it still has the old one. */
export async function moveOutputKey(
  db: DbOrTx,
  generationId: string,
  position: number,
  keys: { from: string; to: string },
): Promise<boolean> {
  const result = await db
    .updateTable('generation_outputs')
    .set({ storage_key: keys.to })
    .where('generation_id', '=', generationId)
    .where('position', '=', position)
    .where('storage_key', '=', keys.from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gallery state of the given generations (those ever published). */
/** An output as `viewRelations` returns it (JSON: the same columns, but its own id and generation). */
export type OutputJson = Omit<GenerationOutputRow, 'id' | 'generation_id'>;

/**
 * What a view of a generation needs besides its row (its outputs and gallery state), as two columns
 * of the same statement, for a query whose generations table is `alias`: a page is one round trip.
 */
export function viewRelations(alias: string) {
  const id = sql.ref(`${alias}.id`);
  return [
    sql<OutputJson[]>`coalesce((
      select json_agg(json_build_object('position', o.position, 'kind', o.kind, 'storage_key', o.storage_key,
        'media_type', o.media_type, 'size', o.size, 'width', o.width, 'height', o.height,
        'duration_ms', o.duration_ms, 'nsfw', o.nsfw, 'text_content', o.text_content) order by o.position)
      from generation_outputs o where o.generation_id = ${id}), '[]'::json)`.as('view_outputs'),
    sql<{ state: GalleryState; published_at: string } | null>`(
      select json_build_object('state', s.state, 'published_at', s.published_at)
      from gallery_items s where s.generation_id = ${id})`.as('view_gallery'),
  ] as const;
}

export function listGalleryStates(db: DbOrTx, generationIds: readonly string[]) {
  return db
    .selectFrom('gallery_items')
    .select(['generation_id', 'state', 'published_at'])
    .where('generation_id', 'in', generationIds)
    .execute();
}

/**
 * The user's generations whose id starts with `prefix` (hex, up to 32 digits without dashes), at most
 * `limit`. A range over the primary key, so it reads a handful of index entries whatever the table size.
 */
export function findIdsByPrefix(db: DbOrTx, userId: string, prefix: string, limit: number) {
  const bound = (pad: string) => {
    const hex = (prefix + pad.repeat(32)).slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return db
    .selectFrom('generations')
    .select('id')
    .where('id', '>=', bound('0'))
    .where('id', '<=', bound('f'))
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .limit(limit)
    .execute();
}
