import type { DbOrTx, Tx } from '../../db/database';

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

export function findOwnLora(db: DbOrTx, userId: string, id: string) {
  return db
    .selectFrom('loras')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The user's LoRAs plus those shared with the space, newest first. */
export function listVisibleLoras(db: DbOrTx, userId: string, spaceId: string | null) {
  return db
    .selectFrom('loras')
    .selectAll('loras')
    .select((eb) => [
      spaceId
        ? eb
            .exists(
              eb
                .selectFrom('lora_shares')
                .select('lora_id')
                .whereRef('lora_shares.lora_id', '=', 'loras.id')
                .where('lora_shares.space_id', '=', spaceId),
            )
            .as('shared_here')
        : eb.val(false).as('shared_here'),
    ])
    .where('deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        ...(spaceId
          ? [
              eb.exists(
                eb
                  .selectFrom('lora_shares')
                  .select('lora_id')
                  .whereRef('lora_shares.lora_id', '=', 'loras.id')
                  .where('lora_shares.space_id', '=', spaceId),
              ),
            ]
          : []),
      ]),
    )
    .orderBy('created_at', 'desc')
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
