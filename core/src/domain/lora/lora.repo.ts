import type { ExpressionBuilder } from 'kysely';
import type { DbOrTx, Tx } from '../../db/database';
import type { DB } from '../../db/types';

// Queries only.

export function insertLora(
  tx: Tx,
  row: { user_id: string; name: string; trigger_word: string; training_generation_id: string },
) {
  return tx.insertInto('loras').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findLoraByName(db: DbOrTx, userId: string, name: string) {
  return db
    .selectFrom('loras')
    .selectAll()
    .where('user_id', '=', userId)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export function findLoraByTrainingGeneration(db: DbOrTx, generationId: string) {
  return db
    .selectFrom('loras')
    .selectAll()
    .where('training_generation_id', '=', generationId)
    .executeTakeFirst();
}

export function listLiveLoraNames(db: DbOrTx, userId: string) {
  return db
    .selectFrom('loras')
    .select(['id', 'name'])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
}

export function renameLora(tx: Tx, id: string, name: string) {
  return tx.updateTable('loras').set({ name }).where('id', '=', id).execute();
}

export function findOwnLora(db: DbOrTx, userId: string, id: string) {
  return db
    .selectFrom('loras')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** A LoRA is visible to its owner and, once shared there, to everyone acting in that space. */
function visibleTo(userId: string, spaceId: string | null) {
  return (eb: ExpressionBuilder<DB, 'loras'>) =>
    eb.or([eb('loras.user_id', '=', userId), ...(spaceId ? [sharedWith(eb, spaceId)] : [])]);
}

function sharedWith(eb: ExpressionBuilder<DB, 'loras'>, spaceId: string) {
  return eb.exists(
    eb
      .selectFrom('lora_shares')
      .select('lora_id')
      .whereRef('lora_shares.lora_id', '=', 'loras.id')
      .where('lora_shares.space_id', '=', spaceId),
  );
}

/** The user's LoRAs plus those shared with the space, newest first. */
export function listVisibleLoras(db: DbOrTx, userId: string, spaceId: string | null) {
  return db
    .selectFrom('loras')
    .selectAll('loras')
    .select((eb) => [(spaceId ? sharedWith(eb, spaceId) : eb.val(false)).as('shared_here')])
    .where('deleted_at', 'is', null)
    .where(visibleTo(userId, spaceId))
    .orderBy('created_at', 'desc')
    .execute();
}

/** A LoRA the user may use, by name (case-insensitive): their own first, then the newest shared one. */
export function findVisibleLoraByName(db: DbOrTx, name: string, userId: string, spaceId: string | null) {
  return db
    .selectFrom('loras')
    .selectAll('loras')
    .select((eb) => [(spaceId ? sharedWith(eb, spaceId) : eb.val(false)).as('shared_here')])
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase()))
    .where('deleted_at', 'is', null)
    .where(visibleTo(userId, spaceId))
    .orderBy((eb) => eb.case().when('loras.user_id', '=', userId).then(0).else(1).end())
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** One LoRA the user may use (own, or shared with the space), or undefined. */
export function findVisibleLora(db: DbOrTx, id: string, userId: string, spaceId: string | null) {
  return db
    .selectFrom('loras')
    .select(['id', 'status', 'weights_key'])
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where(visibleTo(userId, spaceId))
    .executeTakeFirst();
}

/** Weights of the given LoRAs, for submitting a generation that uses them. */
export function listWeightKeys(db: DbOrTx, ids: readonly string[]) {
  return db.selectFrom('loras').select(['id', 'weights_key']).where('id', 'in', ids).execute();
}

/** Ends the LoRA row of a training generation, in the generation's finishing transaction. */
export function finishTraining(
  tx: Tx,
  generationId: string,
  outcome: { status: 'ready'; weightsKey: string } | { status: 'failed'; reason: string },
) {
  return tx
    .updateTable('loras')
    .set(
      outcome.status === 'ready'
        ? { status: 'ready', weights_key: outcome.weightsKey }
        : { status: 'failed', failure_reason: outcome.reason },
    )
    .where('training_generation_id', '=', generationId)
    .execute();
}

export function softDeleteLora(db: DbOrTx, id: string) {
  return db.updateTable('loras').set({ deleted_at: new Date() }).where('id', '=', id).execute();
}

export function shareLora(db: DbOrTx, loraId: string, spaceId: string) {
  return db
    .insertInto('lora_shares')
    .values({ lora_id: loraId, space_id: spaceId })
    .onConflict((oc) => oc.columns(['lora_id', 'space_id']).doNothing())
    .execute();
}

export function unshareLora(db: DbOrTx, loraId: string, spaceId: string) {
  return db.deleteFrom('lora_shares').where('lora_id', '=', loraId).where('space_id', '=', spaceId).execute();
}
