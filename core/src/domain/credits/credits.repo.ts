import { sql } from 'kysely';
import { compiledOnce } from '../../db/compiled-once';
import type { DbOrTx, Tx } from '../../db/database';
import type {
  CreditAccountRow,
  CreditHoldRow,
  EntryKind,
  NewCreditEntry,
  TeamSpenders,
} from '../../db/types';

// Queries only. Functions that change balances take Tx: the compiler proves a transaction exists.

export function findAccount(db: DbOrTx, accountId: string): Promise<CreditAccountRow | undefined> {
  return db.selectFrom('credit_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
}

export function findPersonalAccount(db: DbOrTx, userId: string): Promise<CreditAccountRow | undefined> {
  return db.selectFrom('credit_accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function findTeamAccount(db: DbOrTx, spaceId: string): Promise<CreditAccountRow | undefined> {
  return db.selectFrom('credit_accounts').selectAll().where('space_id', '=', spaceId).executeTakeFirst();
}

/** Inserts the team account of a space unless it exists; returns the account either way. */
export async function ensureTeamAccountRow(tx: Tx, spaceId: string): Promise<CreditAccountRow> {
  await tx
    .insertInto('credit_accounts')
    .values({ kind: 'team', space_id: spaceId })
    .onConflict((oc) => oc.column('space_id').doNothing())
    .execute();
  const account = await tx
    .selectFrom('credit_accounts')
    .selectAll()
    .where('space_id', '=', spaceId)
    .executeTakeFirstOrThrow();
  await tx
    .insertInto('team_policies')
    .values({ account_id: account.id })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
  return account;
}

/** Appends a ledger entry; returns false when the idempotency key was already used. */
export async function appendEntry(tx: Tx, entry: NewCreditEntry): Promise<boolean> {
  const inserted = await tx
    .insertInto('credit_entries')
    .values(entry)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Moves `amount` from available to held only if it is there: one conditional UPDATE, no read-then-write. */
export function reserveAvailable(tx: Tx, accountId: string, amount: number) {
  return tx
    .updateTable('credit_accounts')
    .set((eb) => ({ available: eb('available', '-', amount), held: eb('held', '+', amount) }))
    .where('id', '=', accountId)
    .where('available', '>=', amount)
    .returning(['available', 'held'])
    .executeTakeFirst();
}

/** Adds a signed delta to available; a negative delta applies only if it leaves available >= 0. */
export function changeAvailable(tx: Tx, accountId: string, delta: number) {
  let query = tx
    .updateTable('credit_accounts')
    .set((eb) => ({ available: eb('available', '+', delta) }))
    .where('id', '=', accountId);
  if (delta < 0) query = query.where('available', '>=', -delta);
  return query.returning(['available', 'held']).executeTakeFirst();
}

/**
 * Inserts a hold and its 'hold' ledger entry in one statement; undefined when the idempotency key was
 * used before (the entry is only written for a hold that was inserted).
 */
export async function insertHoldWithEntry(
  tx: Tx,
  hold: {
    id?: string;
    account_id: string;
    user_id: string;
    amount: number;
    reference: string;
    idempotency_key: string;
    usage_month: string | null;
  },
): Promise<CreditHoldRow | undefined> {
  return tx
    .with('h', (db) =>
      db
        .insertInto('credit_holds')
        .values(hold)
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returningAll(),
    )
    .with('e', (db) =>
      db
        .insertInto('credit_entries')
        .columns([
          'account_id',
          'kind',
          'amount',
          'held_delta',
          'hold_id',
          'idempotency_key',
          'actor_user_id',
        ])
        .expression((eb) =>
          eb
            .selectFrom('h')
            .select([
              'h.account_id',
              sql.lit('hold').as('kind'),
              sql.lit(0).as('amount'),
              'h.amount',
              'h.id',
              sql<string>`'hold:' || h.id`.as('key'),
              'h.user_id',
            ]),
        )
        .returning('id'),
    )
    .selectFrom('h')
    .selectAll()
    .executeTakeFirst() as Promise<CreditHoldRow | undefined>;
}

/**
 * The fast path of a hold, for an account without spending rules (a personal account, or a pool open
 * to all members with no model list and no cap): inserts the hold and its 'hold' ledger entry and
 * moves the amount from `available` to `held`, in one statement. The conditional UPDATE re-checks the
 * latest balance under its row lock, so concurrent holds cannot overspend.
 * `open: false` means the account has rules (or does not exist) and nothing was written: take the
 * careful path. Otherwise `hold` is undefined when the idempotency key was used before, and
 * `reserved: false` when the balance does not cover it (the caller throws, rolling the hold back).
 */
export async function holdIfUnrestricted(
  tx: Tx,
  hold: Omit<Parameters<typeof insertHoldWithEntry>[1], 'usage_month'>,
): Promise<
  | { open: false }
  | { open: true; kind: CreditAccountRow['kind']; hold: CreditHoldRow | undefined; reserved: boolean }
> {
  const { rows } = await sql<
    {
      open: boolean | null;
      account_kind: CreditAccountRow['kind'] | null;
      reserved: boolean;
    } & Partial<CreditHoldRow>
  >`
    with acct as (
      select a.id, a.kind,
        (p.account_id is null or (p.spenders = 'all_members' and p.allowed_models is null
          and p.member_monthly_cap is null)) as open
      from credit_accounts a left join team_policies p on p.account_id = a.id
      where a.id = ${hold.account_id}
    ), h as (
      insert into credit_holds (id, account_id, user_id, amount, reference, idempotency_key, usage_month)
      select coalesce(${hold.id ?? null}::uuid, gen_random_uuid()), acct.id, ${hold.user_id}, ${hold.amount},
        ${hold.reference}, ${hold.idempotency_key}, null
      from acct where acct.open
      on conflict (idempotency_key) do nothing
      returning *
    ), e as (
      insert into credit_entries (account_id, kind, amount, held_delta, hold_id, idempotency_key, actor_user_id)
      select account_id, 'hold', 0, amount, id, 'hold:' || id, user_id from h
    ), r as (
      update credit_accounts a set available = a.available - h.amount, held = a.held + h.amount
      from h where a.id = h.account_id and a.available >= h.amount
      returning a.id
    )
    select acct.open, acct.kind as account_kind, h.*, exists (select 1 from r) as reserved
    from (select 1) one left join acct on true left join h on true`.execute(tx);
  const row = rows[0];
  if (!row?.open || !row.account_kind) return { open: false };
  const { open: _open, account_kind, reserved, ...rest } = row;
  return {
    open: true,
    kind: account_kind,
    hold: rest.id ? (rest as CreditHoldRow) : undefined,
    reserved,
  };
}

export function findHold(db: DbOrTx, holdId: string): Promise<CreditHoldRow | undefined> {
  return db.selectFrom('credit_holds').selectAll().where('id', '=', holdId).executeTakeFirst();
}

export function findHoldByKey(db: DbOrTx, key: string): Promise<CreditHoldRow | undefined> {
  return db.selectFrom('credit_holds').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/**
 * Flips a pending hold to its final state, appends the matching ledger entry and takes the amount out
 * of the account's `held` (back to `available` on release), in one statement; undefined when the hold
 * was already resolved (the exactly-once gate). The balance row is locked by this statement, so
 * callers run it last before their commit.
 */
export async function resolveHoldWithEntry(
  tx: Tx,
  holdId: string,
  outcome: 'captured' | 'released',
  reason: string | null,
): Promise<CreditHoldRow | undefined> {
  const [row] = await resolveHold(tx, outcome, { holdId, reason, at: new Date() });
  return row as CreditHoldRow | undefined;
}

/** See resolveHoldWithEntry; compiled once per outcome, since every finished generation runs it. */
const resolveHold = compiledOnce(
  (tx, v: { holdId: string; reason: string | null; at: Date }, outcome: 'captured' | 'released') => {
    const captured = outcome === 'captured';
    return tx
      .with('h', (db) =>
        db
          .updateTable('credit_holds')
          .set({ status: outcome, resolved_at: v.at, release_reason: v.reason })
          .where('id', '=', v.holdId)
          .where('status', '=', sql.lit('pending'))
          .returningAll(),
      )
      .with('e', (db) =>
        db
          .insertInto('credit_entries')
          .columns([
            'account_id',
            'kind',
            'amount',
            'held_delta',
            'hold_id',
            'idempotency_key',
            'actor_user_id',
            'reason',
          ])
          .expression((eb) =>
            eb
              .selectFrom('h')
              .select([
                'h.account_id',
                sql.lit(captured ? 'capture' : 'release').as('kind'),
                (captured ? sql<number>`-h.amount` : sql<number>`0`).as('amount'),
                sql<number>`-h.amount`.as('held_delta'),
                'h.id',
                sql<string>`${sql.lit(captured ? 'capture:' : 'release:')} || h.id`.as('key'),
                'h.user_id',
                sql<string | null>`${v.reason}::text`.as('reason'),
              ]),
          )
          .returning('id'),
      )
      .with('a', (db) =>
        db
          .updateTable('credit_accounts')
          .from('h')
          .set((eb) => ({
            held: eb('credit_accounts.held', '-', eb.ref('h.amount')),
            ...(captured ? {} : { available: eb('credit_accounts.available', '+', eb.ref('h.amount')) }),
          }))
          .whereRef('credit_accounts.id', '=', 'h.account_id')
          .returning('credit_accounts.id'),
      )
      .selectFrom('h')
      .selectAll();
  },
);

/** An account with its team policy (null for personal accounts), in one round trip. */
export function findAccountWithPolicy(db: DbOrTx, accountId: string) {
  return db
    .selectFrom('credit_accounts')
    .leftJoin('team_policies', 'team_policies.account_id', 'credit_accounts.id')
    .selectAll('credit_accounts')
    .select(['team_policies.spenders', 'team_policies.member_monthly_cap', 'team_policies.allowed_models'])
    .where('credit_accounts.id', '=', accountId)
    .executeTakeFirst();
}

/** Counts `amount` against a member's monthly cap; undefined when it would cross the cap. */
export function addMemberUsage(
  tx: Tx,
  accountId: string,
  userId: string,
  month: string,
  amount: number,
  cap: number,
) {
  return tx
    .insertInto('team_member_usage')
    .values({ account_id: accountId, user_id: userId, month, spent: amount })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'user_id', 'month'])
        .doUpdateSet((eb) => ({ spent: eb('team_member_usage.spent', '+', amount) }))
        .where(sql<boolean>`team_member_usage.spent + ${amount} <= ${cap}`),
    )
    .returning('spent')
    .executeTakeFirst();
}

export function subtractMemberUsage(tx: Tx, accountId: string, userId: string, month: Date, amount: number) {
  return tx
    .updateTable('team_member_usage')
    .set((eb) => ({ spent: sql<number>`greatest(${eb.ref('spent')} - ${amount}, 0)` }))
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .where('month', '=', sql<Date>`${month.toISOString().slice(0, 10)}::date`)
    .execute();
}

export async function memberUsage(
  db: DbOrTx,
  accountId: string,
  userId: string,
  month: string,
): Promise<number> {
  const row = await db
    .selectFrom('team_member_usage')
    .select('spent')
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .where('month', '=', sql<Date>`${month}::date`)
    .executeTakeFirst();
  return row?.spent ?? 0;
}

export function findTeamPolicy(db: DbOrTx, accountId: string) {
  return db.selectFrom('team_policies').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export function updateTeamPolicy(
  tx: Tx,
  accountId: string,
  changes: {
    spenders?: TeamSpenders;
    member_monthly_cap?: number | null;
    allowed_models?: string[] | null;
    updated_by: string;
  },
) {
  return tx
    .updateTable('team_policies')
    .set({ ...changes, updated_at: new Date() })
    .where('account_id', '=', accountId)
    .execute();
}

export async function listSpenders(db: DbOrTx, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('team_spenders')
    .select('user_id')
    .where('account_id', '=', accountId)
    .execute();
  return rows.map((r) => r.user_id);
}

/** Replaces the list of members who may spend a pool (when its policy says listed members only). */
export async function replaceSpenders(tx: Tx, accountId: string, userIds: readonly string[]): Promise<void> {
  await tx.deleteFrom('team_spenders').where('account_id', '=', accountId).execute();
  if (userIds.length === 0) return;
  await tx
    .insertInto('team_spenders')
    .values(userIds.map((userId) => ({ account_id: accountId, user_id: userId })))
    .execute();
}

export async function isListedSpender(db: DbOrTx, accountId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('team_spenders')
    .select('user_id')
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Newest first, strictly before `beforeId` (keyset on the identity), optionally some kinds and a time range. */
export function listEntries(
  db: DbOrTx,
  accountId: string,
  opts: { beforeId?: number; limit: number; kinds?: readonly EntryKind[]; from?: Date; to?: Date },
) {
  let query = db
    .selectFrom('credit_entries')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(opts.limit);
  if (opts.beforeId !== undefined) query = query.where('id', '<', opts.beforeId);
  if (opts.kinds && opts.kinds.length > 0) query = query.where('kind', 'in', opts.kinds);
  if (opts.from) query = query.where('created_at', '>=', opts.from);
  if (opts.to) query = query.where('created_at', '<', opts.to);
  return query.execute();
}

export function listPendingHolds(db: DbOrTx, accountId: string, limit: number) {
  return db
    .selectFrom('credit_holds')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

export function listPendingHoldsOlderThan(db: DbOrTx, cutoff: Date, limit: number) {
  return db
    .selectFrom('credit_holds')
    .selectAll()
    .where('status', '=', 'pending')
    .where('created_at', '<', cutoff)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** Locks an account's balance row and returns it (for a change that depends on what is there). */
export function lockAccount(tx: Tx, accountId: string): Promise<CreditAccountRow | undefined> {
  return tx
    .selectFrom('credit_accounts')
    .selectAll()
    .where('id', '=', accountId)
    .forUpdate()
    .executeTakeFirst();
}

export function findEntryByKey(db: DbOrTx, idempotencyKey: string) {
  return db
    .selectFrom('credit_entries')
    .selectAll()
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/** Marks an account for an admin's attention (keeps the first time it was flagged). */
export function flagAccount(tx: Tx, accountId: string, reason: string) {
  return tx
    .updateTable('credit_accounts')
    .set((eb) => ({ flagged_at: eb.fn.coalesce('flagged_at', sql<Date>`now()`), flag_reason: reason }))
    .where('id', '=', accountId)
    .execute();
}

/**
 * What each member spent from a pool since `since` (captured holds) and what is still held for their
 * running work, largest spender first; one member only when `userId` is given.
 */
export function listMemberSpend(db: DbOrTx, accountId: string, since: Date, userId?: string) {
  let query = db
    .selectFrom('credit_holds')
    .innerJoin('users', 'users.id', 'credit_holds.user_id')
    .select((eb) => [
      'credit_holds.user_id',
      'users.display_name',
      eb.fn
        .coalesce(
          eb.fn
            .sum<string | number>('credit_holds.amount')
            .filterWhere('credit_holds.status', '=', 'captured'),
          sql<number>`0`,
        )
        .as('spent'),
      eb.fn
        .coalesce(
          eb.fn
            .sum<string | number>('credit_holds.amount')
            .filterWhere('credit_holds.status', '=', 'pending'),
          sql<number>`0`,
        )
        .as('held'),
    ])
    .where('credit_holds.account_id', '=', accountId)
    .where('credit_holds.created_at', '>=', since)
    .where('credit_holds.status', '!=', 'released')
    .groupBy(['credit_holds.user_id', 'users.display_name'])
    .orderBy('spent', 'desc')
    .orderBy('users.display_name');
  if (userId !== undefined) query = query.where('credit_holds.user_id', '=', userId);
  return query.execute();
}
