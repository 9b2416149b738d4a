import { sql } from 'kysely';
import type { DbOrTx, Tx } from '../../db/database';
import type { Platform, SpaceKind, UserRow, UserSettings } from '../../db/types';

// Queries only.

export function findUserByIdentity(db: DbOrTx, platform: Platform, platformUserId: string) {
  return db
    .selectFrom('identities')
    .innerJoin('users', 'users.id', 'identities.user_id')
    .select(['users.id', 'users.display_name', 'users.role', 'users.settings', 'users.created_at'])
    .where('identities.platform', '=', platform)
    .where('identities.platform_user_id', '=', platformUserId)
    .executeTakeFirst();
}

export function findUser(db: DbOrTx, userId: string) {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

/**
 * A new user with their platform identity, personal account and starter credits, in one statement
 * (one round trip, atomic). When another request claimed the identity first, the statement fails
 * with a unique violation and writes nothing: the caller reads the winner.
 */
export async function insertUserWithIdentity(
  db: DbOrTx,
  identity: { platform: Platform; platform_user_id: string; display_name: string },
  starterCredits: number,
): Promise<Pick<UserRow, 'id' | 'display_name' | 'role' | 'settings' | 'created_at'>> {
  const { rows } = await sql<Pick<UserRow, 'id' | 'display_name' | 'role' | 'settings' | 'created_at'>>`
    with u as (
      insert into users (display_name) values (${identity.display_name})
      returning id, display_name, role, settings, created_at
    ), i as (
      insert into identities (user_id, platform, platform_user_id, display_name)
      select id, ${identity.platform}, ${identity.platform_user_id}, ${identity.display_name} from u
    ), a as (
      insert into credit_accounts (kind, user_id, available)
      select 'personal', id, ${starterCredits} from u
      returning id, user_id
    ), e as (
      insert into credit_entries (account_id, kind, amount, idempotency_key, reason)
      select a.id, 'starter', ${starterCredits}, 'starter:' || a.user_id, 'Welcome credits'
      from a where ${starterCredits}::bigint > 0
    )
    select * from u`.execute(db);
  return rows[0]!;
}

export function listIdentities(db: DbOrTx, userId: string) {
  return db
    .selectFrom('identities')
    .select(['platform', 'platform_user_id', 'display_name', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export function listIdentitiesOfUsers(db: DbOrTx, userIds: readonly string[]) {
  return db
    .selectFrom('identities')
    .select(['user_id', 'platform', 'platform_user_id', 'display_name'])
    .where('user_id', 'in', userIds)
    .orderBy('created_at')
    .execute();
}

export async function countMembers(db: DbOrTx, spaceId: string): Promise<number> {
  const row = await db
    .selectFrom('space_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('space_id', '=', spaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function updateUserSettings(db: DbOrTx, userId: string, settings: UserSettings) {
  return db
    .updateTable('users')
    .set({ settings })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function setUserRole(db: DbOrTx, userId: string, role: 'user' | 'moderator' | 'admin') {
  return db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

export function findSpace(db: DbOrTx, platform: Platform, platformSpaceId: string) {
  return db
    .selectFrom('spaces')
    .selectAll()
    .where('platform', '=', platform)
    .where('platform_space_id', '=', platformSpaceId)
    .executeTakeFirst();
}

export function findSpaceById(db: DbOrTx, spaceId: string) {
  return db.selectFrom('spaces').selectAll().where('id', '=', spaceId).executeTakeFirst();
}

export async function upsertSpace(
  db: DbOrTx,
  space: { platform: Platform; platform_space_id: string; kind: SpaceKind; name: string },
) {
  return db
    .insertInto('spaces')
    .values(space)
    .onConflict((oc) =>
      oc
        .columns(['platform', 'platform_space_id'])
        .doUpdateSet({ name: space.name })
        .where('spaces.name', '<>', space.name),
    )
    .returningAll()
    .executeTakeFirst();
}

export function insertMembership(db: DbOrTx, spaceId: string, userId: string) {
  return db
    .insertInto('space_members')
    .values({ space_id: spaceId, user_id: userId })
    .onConflict((oc) => oc.columns(['space_id', 'user_id']).doNothing())
    .execute();
}

export async function isMember(db: DbOrTx, spaceId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('space_members')
    .select('user_id')
    .where('space_id', '=', spaceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export function insertLinkCode(db: DbOrTx, row: { code_hash: string; user_id: string; expires_at: Date }) {
  return db.insertInto('link_codes').values(row).execute();
}

/** Marks a code used if it is still valid; the single UPDATE makes it single-use under concurrency. */
export function consumeLinkCode(tx: Tx, codeHash: string, usedBy: string) {
  return tx
    .updateTable('link_codes')
    .set({ used_at: new Date(), used_by_user_id: usedBy })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('user_id')
    .executeTakeFirst();
}

export function findLinkCode(db: DbOrTx, codeHash: string) {
  return db.selectFrom('link_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

export async function countPendingHolds(db: DbOrTx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('credit_holds')
    .innerJoin('credit_accounts', 'credit_accounts.id', 'credit_holds.account_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('credit_accounts.user_id', '=', userId)
    .where('credit_holds.status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Tables whose rows belong to one user and simply follow the user on a merge. Tables with a
 * uniqueness per user (favorites, memberships, spenders) are merged with a union below.
 */
export const USER_OWNED_TABLES: readonly { table: string; column: string }[] = [
  { table: 'identities', column: 'user_id' },
  { table: 'uploads', column: 'user_id' },
  { table: 'generations', column: 'user_id' },
  { table: 'gallery_items', column: 'user_id' },
  { table: 'loras', column: 'user_id' },
];

export async function moveUserRows(tx: Tx, fromUserId: string, toUserId: string): Promise<void> {
  for (const { table, column } of USER_OWNED_TABLES) {
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${toUserId} where ${sql.ref(column)} = ${fromUserId}`.execute(
      tx,
    );
  }
  await sql`insert into favorites (user_id, model_id, created_at)
            select ${toUserId}, model_id, created_at from favorites where user_id = ${fromUserId}
            on conflict do nothing`.execute(tx);
  await sql`delete from favorites where user_id = ${fromUserId}`.execute(tx);
  await sql`insert into space_members (space_id, user_id, role, joined_at)
            select space_id, ${toUserId}, role, joined_at from space_members where user_id = ${fromUserId}
            on conflict do nothing`.execute(tx);
  await sql`delete from space_members where user_id = ${fromUserId}`.execute(tx);
  await sql`insert into team_spenders (account_id, user_id, added_at)
            select account_id, ${toUserId}, added_at from team_spenders where user_id = ${fromUserId}
            on conflict do nothing`.execute(tx);
  await sql`delete from team_spenders where user_id = ${fromUserId}`.execute(tx);
}

export function markMerged(tx: Tx, fromUserId: string, toUserId: string) {
  return tx.updateTable('users').set({ merged_into: toUserId }).where('id', '=', fromUserId).execute();
}

export function searchAccounts(db: DbOrTx, query: string, limit: number) {
  const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('credit_accounts')
    .leftJoin('users', 'users.id', 'credit_accounts.user_id')
    .leftJoin('spaces', 'spaces.id', 'credit_accounts.space_id')
    .select([
      'credit_accounts.id',
      'credit_accounts.kind',
      'credit_accounts.available',
      'credit_accounts.held',
      'credit_accounts.user_id',
      'credit_accounts.space_id',
      'users.display_name as user_name',
      'spaces.name as space_name',
      'spaces.platform as space_platform',
      'spaces.platform_space_id',
      'credit_accounts.flagged_at',
    ])
    .where((eb) =>
      eb.or([
        eb('users.display_name', 'ilike', like),
        eb('spaces.name', 'ilike', like),
        eb('spaces.platform_space_id', '=', query),
        eb(sql`credit_accounts.id::text`, '=', query),
        eb(sql`credit_accounts.user_id::text`, '=', query),
        eb.exists(
          eb
            .selectFrom('identities')
            .select('identities.id')
            .whereRef('identities.user_id', '=', 'credit_accounts.user_id')
            .where((e) =>
              e.or([
                e('identities.platform_user_id', '=', query),
                e('identities.display_name', 'ilike', like),
              ]),
            ),
        ),
      ]),
    )
    .where('users.merged_into', 'is', null)
    .orderBy('credit_accounts.created_at', 'desc')
    .limit(limit)
    .execute();
}
