import type { Db, DbOrTx, Tx } from '../../db/database';
import type {
  CreditAccountRow,
  CreditEntryRow,
  CreditHoldRow,
  EntryKind,
  TeamSpenders,
} from '../../db/types';
import { AppError } from '../../errors';
import * as repo from './credits.repo';

export interface Balance {
  accountId: string;
  kind: 'personal' | 'team';
  available: number;
  held: number;
}

export interface Hold {
  id: string;
  accountId: string;
  userId: string;
  amount: number;
  status: 'pending' | 'captured' | 'released';
  reference: string;
  releaseReason: string | null;
  createdAt: Date;
}

export interface LedgerEntry {
  id: number;
  kind: EntryKind;
  amount: number;
  heldDelta: number;
  reason: string | null;
  externalRef: string | null;
  actorUserId: string | null;
  createdAt: Date;
}

const toBalance = (a: CreditAccountRow): Balance => ({
  accountId: a.id,
  kind: a.kind,
  available: a.available,
  held: a.held,
});

const toHold = (h: CreditHoldRow): Hold => ({
  id: h.id,
  accountId: h.account_id,
  userId: h.user_id,
  amount: h.amount,
  status: h.status,
  reference: h.reference,
  releaseReason: h.release_reason,
  createdAt: h.created_at,
});

const toEntry = (e: CreditEntryRow): LedgerEntry => ({
  id: e.id,
  kind: e.kind,
  amount: e.amount,
  heldDelta: e.held_delta,
  reason: e.reason,
  externalRef: e.external_ref,
  actorUserId: e.actor_user_id,
  createdAt: e.created_at,
});

/** The UTC calendar month a spend counts against, as an ISO date of its first day. */
export function usageMonth(now = new Date()): string {
  return `${now.toISOString().slice(0, 7)}-01`;
}

/** Current balance of an account. */
export async function getBalance(db: DbOrTx, accountId: string): Promise<Balance> {
  const account = await repo.findAccount(db, accountId);
  if (!account) throw AppError.notFound('Credit account');
  return toBalance(account);
}

/** A user's personal balance. */
export async function getPersonalBalance(db: DbOrTx, userId: string): Promise<Balance> {
  const account = await repo.findPersonalAccount(db, userId);
  if (!account) throw AppError.notFound('Credit account');
  return toBalance(account);
}

/** The balance of a space's team pool, or null when the space has none. */
export async function findTeamBalance(db: DbOrTx, spaceId: string): Promise<Balance | null> {
  const account = await repo.findTeamAccount(db, spaceId);
  return account ? toBalance(account) : null;
}

/**
 * Adds credits (starter, grant, purchase) exactly once per idempotency key.
 * Returns `applied: false` when the key was already used: a repeat is "already done", not an error.
 */
export async function addCredits(
  tx: Tx,
  input: {
    accountId: string;
    amount: number;
    kind: Extract<EntryKind, 'starter' | 'grant' | 'purchase' | 'adjustment' | 'transfer_in'>;
    idempotencyKey: string;
    actorUserId?: string | null;
    reason?: string | null;
    externalRef?: string | null;
  },
): Promise<{ applied: boolean; balance: Balance }> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw AppError.invalidInput('Amount must be a positive whole number', { amount: ['must be > 0'] });
  }
  const applied = await repo.appendEntry(tx, {
    account_id: input.accountId,
    kind: input.kind,
    amount: input.amount,
    idempotency_key: input.idempotencyKey,
    actor_user_id: input.actorUserId ?? null,
    reason: input.reason ?? null,
    external_ref: input.externalRef ?? null,
  });
  if (applied) await repo.changeAvailable(tx, input.accountId, input.amount);
  return { applied, balance: await getBalance(tx, input.accountId) };
}

/**
 * Takes credits out of available (adjustment down, refund claw-back, transfer out) exactly once per key.
 * Refuses with INSUFFICIENT_CREDITS rather than going below zero.
 */
export async function removeCredits(
  tx: Tx,
  input: {
    accountId: string;
    amount: number;
    kind: Extract<EntryKind, 'adjustment' | 'refund' | 'transfer_out'>;
    idempotencyKey: string;
    actorUserId?: string | null;
    reason?: string | null;
    externalRef?: string | null;
  },
): Promise<{ applied: boolean; balance: Balance }> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw AppError.invalidInput('Amount must be a positive whole number', { amount: ['must be > 0'] });
  }
  const applied = await repo.appendEntry(tx, {
    account_id: input.accountId,
    kind: input.kind,
    amount: -input.amount,
    idempotency_key: input.idempotencyKey,
    actor_user_id: input.actorUserId ?? null,
    reason: input.reason ?? null,
    external_ref: input.externalRef ?? null,
  });
  if (applied) {
    const changed = await repo.changeAvailable(tx, input.accountId, -input.amount);
    if (!changed) {
      const balance = await getBalance(tx, input.accountId);
      throw new AppError('INSUFFICIENT_CREDITS', `Only ${balance.available} credits are available`, {
        price: input.amount,
        available: balance.available,
      });
    }
  }
  return { applied, balance: await getBalance(tx, input.accountId) };
}

/**
 * Takes up to `max` credits out of available, never below zero, exactly once per key (a refund's
 * claw-back when the buyer already spent some). Returns how many it took; a replayed key returns what
 * the first call took. The balance row is locked so the amount taken is the amount there.
 */
export async function removeUpTo(
  tx: Tx,
  input: {
    accountId: string;
    max: number;
    kind: Extract<EntryKind, 'refund' | 'adjustment'>;
    idempotencyKey: string;
    reason: string;
    externalRef?: string | null;
  },
): Promise<{ taken: number; balance: Balance }> {
  const previous = await repo.findEntryByKey(tx, input.idempotencyKey);
  if (previous) return { taken: -previous.amount, balance: await getBalance(tx, input.accountId) };
  const account = await repo.lockAccount(tx, input.accountId);
  if (!account) throw AppError.notFound('Credit account');
  const taken = Math.min(Math.max(input.max, 0), account.available);
  if (taken === 0) return { taken, balance: toBalance(account) };
  const { balance } = await removeCredits(tx, {
    accountId: input.accountId,
    amount: taken,
    kind: input.kind,
    idempotencyKey: input.idempotencyKey,
    reason: input.reason,
    externalRef: input.externalRef ?? null,
  });
  return { taken, balance };
}

/** Flags an account for admins (a claw-back fell short); the reason is shown on its account page. */
export async function flagAccount(tx: Tx, accountId: string, reason: string): Promise<void> {
  await repo.flagAccount(tx, accountId, reason);
}

/** Positive adjustments are grants with kind 'adjustment'; kept apart so the ledger shows who did what. */
export async function adjustCredits(
  tx: Tx,
  input: { accountId: string; delta: number; idempotencyKey: string; actorUserId: string; reason: string },
): Promise<{ applied: boolean; balance: Balance }> {
  if (!Number.isSafeInteger(input.delta) || input.delta === 0) {
    throw AppError.invalidInput('Adjustment must be a non-zero whole number', { delta: ['must not be 0'] });
  }
  const change = { ...input, amount: Math.abs(input.delta), kind: 'adjustment' as const };
  return input.delta < 0 ? removeCredits(tx, change) : addCredits(tx, change);
}

export interface HoldRequest {
  accountId: string;
  userId: string;
  amount: number;
  /** What the hold pays for, e.g. `generation:<id>`. */
  reference: string;
  idempotencyKey: string;
  /** The new hold's id when the caller must reference it before the hold exists (a deferred foreign key). */
  holdId?: string;
  /** For team accounts: the model, checked against the policy's allowed models. */
  modelId?: string;
  /** For team accounts limited to the space's admins: whether the bot says the spender is one. */
  spaceAdmin?: boolean;
}

/**
 * Reserves `amount` for a job. Team accounts enforce their policy (who may spend, allowed models,
 * per-member monthly cap) in the same transaction, so a refusal holds nothing. Replaying the same
 * idempotency key returns the original hold.
 */
export async function holdCredits(tx: Tx, request: HoldRequest): Promise<Hold> {
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
    throw AppError.invalidInput('Price must be a positive whole number', { amount: ['must be > 0'] });
  }
  const values = {
    ...(request.holdId ? { id: request.holdId } : {}),
    account_id: request.accountId,
    user_id: request.userId,
    amount: request.amount,
    reference: request.reference,
    idempotency_key: request.idempotencyKey,
  };
  // Most holds are on accounts without spending rules: one statement holds and reserves.
  const fast = await repo.holdIfUnrestricted(tx, values);
  if (fast.open) {
    // The key was used before (a retry, or a concurrent twin that committed first): its hold is the answer.
    if (!fast.hold) return toHold((await repo.findHoldByKey(tx, request.idempotencyKey))!);
    if (!fast.reserved) await refuseInsufficient(tx, request, fast.kind);
    return toHold(fast.hold);
  }
  const account = await repo.findAccountWithPolicy(tx, request.accountId);
  if (!account) throw AppError.notFound('Credit account');
  const policy =
    account.kind === 'team' && account.spenders ? { ...account, spenders: account.spenders } : null;
  if (policy) await checkSpender(tx, policy, request);
  const cap = policy?.member_monthly_cap ?? null;
  const month = usageMonth();
  const hold = await repo.insertHoldWithEntry(tx, { ...values, usage_month: cap !== null ? month : null });
  if (!hold) return toHold((await repo.findHoldByKey(tx, request.idempotencyKey))!);

  if (cap !== null) await countAgainstCap(tx, account.id, request, month, cap);
  // Last statement before commit: the balance row stays locked for as short a time as possible.
  const reserved = await repo.reserveAvailable(tx, request.accountId, request.amount);
  if (!reserved) await refuseInsufficient(tx, request, account.kind);
  return toHold(hold);
}

async function refuseInsufficient(
  tx: Tx,
  request: HoldRequest,
  accountKind: CreditAccountRow['kind'],
): Promise<never> {
  const available = (await repo.findAccount(tx, request.accountId))?.available ?? 0;
  throw new AppError('INSUFFICIENT_CREDITS', `This costs ${request.amount} credits; ${available} available`, {
    price: request.amount,
    available,
    accountKind,
  });
}

async function checkSpender(
  tx: Tx,
  policy: { id: string; spenders: TeamSpenders; allowed_models: string[] | null },
  request: HoldRequest,
): Promise<void> {
  if (policy.spenders === 'space_admins' && !request.spaceAdmin) {
    throw AppError.forbidden("Only this space's admins may spend its team credits");
  }
  if (policy.spenders === 'listed_members' && !(await repo.isListedSpender(tx, policy.id, request.userId))) {
    throw AppError.forbidden("You are not on the list of members who may spend this team's credits");
  }
  if (policy.allowed_models && request.modelId && !policy.allowed_models.includes(request.modelId)) {
    throw AppError.forbidden(`This team's credits cannot be spent on ${request.modelId}`);
  }
}

async function countAgainstCap(tx: Tx, accountId: string, request: HoldRequest, month: string, cap: number) {
  const counted =
    request.amount <= cap
      ? await repo.addMemberUsage(tx, accountId, request.userId, month, request.amount, cap)
      : undefined;
  if (!counted) {
    const used = await repo.memberUsage(tx, accountId, request.userId, month);
    throw new AppError(
      'CAP_EXCEEDED',
      `This would pass your monthly cap of ${cap} team credits (${used} used)`,
      {
        price: request.amount,
        cap,
        used,
      },
    );
  }
}

/** Charges a pending hold. Returns false, writing nothing, when the hold was already captured or released. */
export async function captureHold(tx: Tx, holdId: string): Promise<boolean> {
  return (await repo.resolveHoldWithEntry(tx, holdId, 'captured', null)) !== undefined;
}

/** Gives a pending hold back (failure, cancel, moderation). Returns false when it was already resolved. */
export async function releaseHold(tx: Tx, holdId: string, reason: string): Promise<boolean> {
  const hold = await repo.resolveHoldWithEntry(tx, holdId, 'released', reason);
  if (!hold) return false;
  if (hold.usage_month)
    await repo.subtractMemberUsage(tx, hold.account_id, hold.user_id, hold.usage_month, hold.amount);
  return true;
}

/** A hold by id. */
export async function getHold(db: DbOrTx, holdId: string): Promise<Hold> {
  const hold = await repo.findHold(db, holdId);
  if (!hold) throw AppError.notFound('Hold');
  return toHold(hold);
}

/** Newest-first page of an account's ledger, optionally some entry kinds and a time range. */
export async function listLedger(
  db: DbOrTx,
  accountId: string,
  opts: { beforeId?: number; limit?: number; kinds?: readonly EntryKind[]; from?: Date; to?: Date } = {},
): Promise<{ entries: LedgerEntry[]; nextCursor: number | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const rows = await repo.listEntries(db, accountId, { ...opts, limit });
  return { entries: rows.map(toEntry), nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
}

/** An account's pending holds, oldest first (what is reserved for running work). */
export async function listPendingHolds(db: DbOrTx, accountId: string, limit = 100): Promise<Hold[]> {
  return (await repo.listPendingHolds(db, accountId, limit)).map(toHold);
}

/** Who owns an account: the user of a personal account, the space of a team pool. */
export async function accountOwnerId(db: DbOrTx, accountId: string): Promise<{ ownerId: string }> {
  const account = await repo.findAccount(db, accountId);
  const ownerId = account?.user_id ?? account?.space_id;
  if (!ownerId) throw AppError.notFound('Credit account');
  return { ownerId };
}

/** The flag a claw-back shortfall set on an account, or null. */
export async function accountFlag(
  db: DbOrTx,
  accountId: string,
): Promise<{ at: Date; reason: string | null } | null> {
  const account = await repo.findAccount(db, accountId);
  if (!account) throw AppError.notFound('Credit account');
  return account.flagged_at ? { at: account.flagged_at, reason: account.flag_reason } : null;
}

/**
 * What each member spent from an account this month (captured) and still holds for running work,
 * largest spender first; one member only when `userId` is given.
 */
export async function listMonthlySpend(
  db: DbOrTx,
  accountId: string,
  userId?: string,
): Promise<{ userId: string; displayName: string; spent: number; held: number }[]> {
  const rows = await repo.listMemberSpend(db, accountId, new Date(`${usageMonth()}T00:00:00Z`), userId);
  return rows.map((r) => ({
    userId: r.user_id,
    displayName: r.display_name,
    spent: Number(r.spent),
    held: Number(r.held),
  }));
}

/** A member's own spend from a team pool this month, against the pool's per-member cap (null: no cap). */
export interface TeamMemberSpend {
  spent: number;
  cap: number | null;
}

/**
 * What `userId` spent this month from the account that paid (captured credits), with the pool's
 * per-member monthly cap; null when the account is not a team pool.
 */
export async function teamMemberSpend(
  db: DbOrTx,
  accountId: string,
  userId: string,
): Promise<TeamMemberSpend | null> {
  const account = await repo.findAccountWithPolicy(db, accountId);
  if (account?.kind !== 'team') return null;
  const [mine] = await listMonthlySpend(db, accountId, userId);
  return { spent: mine?.spent ?? 0, cap: account.member_monthly_cap ?? null };
}

/** Monthly usage of a member on a team account. */
export function getMemberUsage(db: DbOrTx, accountId: string, userId: string): Promise<number> {
  return repo.memberUsage(db, accountId, userId, usageMonth());
}

/** Releases holds left pending longer than `olderThanMs` whose job no longer exists (see jobs sweeper). */
export async function listStaleHolds(db: Db, olderThanMs: number, limit = 100): Promise<Hold[]> {
  const rows = await repo.listPendingHoldsOlderThan(db, new Date(Date.now() - olderThanMs), limit);
  return rows.map(toHold);
}
