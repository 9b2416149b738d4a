import { createHash, randomInt } from 'node:crypto';
import { type Db, type DbOrTx, pgErrorCode, type Tx, UNIQUE_VIOLATION } from '../../db/database';
import type { Platform, SpaceKind, SpaceRow, UserRole, UserSettings } from '../../db/types';
import { AppError } from '../../errors';
import { publishEvent, publishEvents } from '../../events/event-bus';
import * as creditsRepo from '../credits/credits.repo';
import { addCredits, removeCredits } from '../credits/credits.service';
import { dropClashingRequestKeys } from '../generation/request-keys';
import { renameClashingLoras } from '../lora/lora-names';
import type { Throttle, ThrottleRule } from '../throttle/throttle.service';
import * as repo from './accounts.repo';
import { userChanged } from './user-changes';

export interface User {
  id: string;
  displayName: string;
  role: UserRole;
  settings: UserSettings;
}

export interface Space {
  id: string;
  platform: Platform;
  platformSpaceId: string;
  kind: SpaceKind;
  name: string;
}

export interface IdentityRef {
  platform: Platform;
  platformUserId: string;
  displayName: string;
}

export interface SpaceRef {
  platform: Platform;
  platformSpaceId: string;
  kind: SpaceKind;
  name: string;
}

const toUser = (u: { id: string; display_name: string; role: UserRole; settings: UserSettings }): User => ({
  id: u.id,
  displayName: u.display_name,
  role: u.role,
  settings: u.settings ?? {},
});

const toSpace = (s: SpaceRow): Space => ({
  id: s.id,
  platform: s.platform,
  platformSpaceId: s.platform_space_id,
  kind: s.kind,
  name: s.name,
});

/**
 * Finds the user behind a platform identity, creating user, personal account and starter grant the
 * first time. Concurrent first calls race on the identity's unique key; the loser rolls back and
 * reads the winner, so starter credits are granted exactly once.
 */
export async function ensureUser(db: Db, identity: IdentityRef, starterCredits: number): Promise<User> {
  const existing = await repo.findUserByIdentity(db, identity.platform, identity.platformUserId);
  if (existing) return toUser(existing);
  if (!Number.isSafeInteger(starterCredits) || starterCredits < 0) {
    throw new RangeError('starterCredits must be a whole number of credits');
  }
  try {
    return toUser(
      await repo.insertUserWithIdentity(
        db,
        {
          platform: identity.platform,
          platform_user_id: identity.platformUserId,
          display_name: identity.displayName,
        },
        starterCredits,
      ),
    );
  } catch (error) {
    // Two first requests at once: the other one created the user (and granted the starter credits).
    if (pgErrorCode(error) !== UNIQUE_VIOLATION) throw error;
  }
  const winner = await repo.findUserByIdentity(db, identity.platform, identity.platformUserId);
  if (!winner) throw new Error('identity vanished after a concurrent insert');
  return toUser(winner);
}

/** A user by id. */
export async function getUser(db: DbOrTx, userId: string): Promise<User> {
  const user = await repo.findUser(db, userId);
  if (!user) throw AppError.notFound('User');
  return toUser(user);
}

/**
 * Records (or renames) the space a command came from; Slack workspaces get their team pool at once
 * (with `teamStarterCredits`, see ensureTeamAccount).
 */
export async function ensureSpace(db: Db, ref: SpaceRef, teamStarterCredits = 0): Promise<Space> {
  const values = {
    platform: ref.platform,
    platform_space_id: ref.platformSpaceId,
    kind: ref.kind,
    name: ref.name,
  };
  let row = await repo.findSpace(db, ref.platform, ref.platformSpaceId);
  // Writes only when the space is new or was renamed; a concurrent upsert that changed nothing returns no row.
  if (!row || row.name !== ref.name) {
    row =
      (await repo.upsertSpace(db, values)) ?? (await repo.findSpace(db, ref.platform, ref.platformSpaceId));
  }
  if (!row) throw new Error('space upsert returned nothing');
  if (row.kind === 'workspace') await ensureTeamAccount(db, row.id, teamStarterCredits);
  return toSpace(row);
}

/** A space by id. */
export async function getSpace(db: DbOrTx, spaceId: string): Promise<Space> {
  const space = await repo.findSpaceById(db, spaceId);
  if (!space) throw AppError.notFound('Space');
  return toSpace(space);
}

/** Remembers that a user acted in a space (idempotent). */
export function joinSpace(db: DbOrTx, spaceId: string, userId: string): Promise<unknown> {
  return repo.insertMembership(db, spaceId, userId);
}

/**
 * Creates the team credit account of a space (with an open default policy) unless it has one. A new
 * pool receives `starterCredits` once: the grant is keyed by the account, so concurrent first calls
 * (which meet on the account's unique space) grant it exactly once.
 */
export async function ensureTeamAccount(db: Db, spaceId: string, starterCredits = 0): Promise<string> {
  const existing = await creditsRepo.findTeamAccount(db, spaceId);
  if (existing) return existing.id;
  return db.transaction().execute(async (tx) => {
    const account = await creditsRepo.ensureTeamAccountRow(tx, spaceId);
    if (starterCredits > 0) {
      await addCredits(tx, {
        accountId: account.id,
        amount: starterCredits,
        kind: 'starter',
        idempotencyKey: `team-starter:${account.id}`,
        reason: 'Welcome credits for the team',
      });
    }
    return account.id;
  });
}

/** The id of a space's team account, or null while it has none. */
export async function findTeamAccountId(db: DbOrTx, spaceId: string): Promise<string | null> {
  return (await creditsRepo.findTeamAccount(db, spaceId))?.id ?? null;
}

/** The user's personal account id (every user has one from creation). */
export async function personalAccountId(db: DbOrTx, userId: string): Promise<string> {
  const account = await creditsRepo.findPersonalAccount(db, userId);
  if (!account) throw AppError.notFound('Credit account');
  return account.id;
}

/** Who the user asked to pay (the web studio's choice); without one, `resolvePayer` decides. */
export type PayerChoice = 'personal' | 'team';

/**
 * The space's pool when its policy lets this user spend it (whatever its balance): the listed
 * members, or the space's admins when the policy says so, or every member; a Slack workspace's pool
 * always.
 */
export async function spendableTeamAccount(
  db: DbOrTx,
  userId: string,
  space: Space | null,
  spaceAdmin = false,
): Promise<{ id: string; available: number } | undefined> {
  if (!space) return undefined;
  const team = await creditsRepo.findTeamAccount(db, space.id);
  if (!team) return undefined;
  if (space.platform === 'slack') return team;
  const policy = await creditsRepo.findTeamPolicy(db, team.id);
  const allowed =
    policy?.spenders === 'listed_members'
      ? await creditsRepo.isListedSpender(db, team.id, userId)
      : policy?.spenders !== 'space_admins' || spaceAdmin;
  return allowed ? team : undefined;
}

/**
 * Which account pays for a user's job in a space: a Slack workspace always spends its shared pool;
 * elsewhere a funded team pool pays for the members allowed to spend it (listed members, or the
 * space's admins when the policy says so), and the personal account pays otherwise. A `choice`
 * overrides that within the policy: 'team' only where the pool lets this user spend (FORBIDDEN
 * otherwise; an empty pool then refuses with INSUFFICIENT_CREDITS when the hold is taken), and
 * 'personal' anywhere but Slack, whose workspaces always pay from the pool.
 */
export async function resolvePayer(
  db: DbOrTx,
  userId: string,
  space: Space | null,
  spaceAdmin = false,
  choice?: PayerChoice,
): Promise<string> {
  const team = await spendableTeamAccount(db, userId, space, spaceAdmin);
  if (choice === 'team') {
    if (!team)
      throw AppError.forbidden("This space's pool does not pay for your work; pay from your own balance");
    return team.id;
  }
  if (team && space?.platform === 'slack') {
    if (choice === 'personal') throw AppError.forbidden('In a Slack workspace the workspace pool pays');
    return team.id;
  }
  if (team && team.available > 0 && choice !== 'personal') return team.id;
  return personalAccountId(db, userId);
}

/** Saves a user's chat settings (default model, private delivery). */
export async function updateSettings(db: Db, userId: string, patch: UserSettings): Promise<User> {
  const user = await getUser(db, userId);
  const updated = await db.transaction().execute(async (tx) => {
    const row = await repo.updateUserSettings(tx, userId, { ...user.settings, ...patch });
    await publishEvent(tx, { type: 'user', userId });
    return row;
  });
  userChanged(userId);
  return toUser(updated);
}

/** Identities linked to a user. */
export async function listIdentities(db: DbOrTx, userId: string) {
  const rows = await repo.listIdentities(db, userId);
  return rows.map((r) => ({
    platform: r.platform,
    platformUserId: r.platform_user_id,
    displayName: r.display_name,
  }));
}

const LINK_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const LINK_CODE_TTL_MS = 10 * 60 * 1000;

const hashCode = (code: string) => createHash('sha256').update(code.trim().toUpperCase()).digest('hex');

/** Issues a one-time code that, redeemed from another platform, links that identity to this user. */
export async function createLinkCode(
  db: Db,
  userId: string,
  now = new Date(),
): Promise<{ code: string; expiresAt: Date }> {
  const code = Array.from({ length: 8 }, () => LINK_ALPHABET[randomInt(LINK_ALPHABET.length)]).join('');
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await repo.insertLinkCode(db, { code_hash: hashCode(code), user_id: userId, expires_at: expiresAt });
  return { code, expiresAt };
}

const LINK_REDEMPTIONS_PER_USER: ThrottleRule = {
  name: 'link:redeem',
  limit: 5,
  windowSeconds: 10 * 60,
  message: 'Too many link codes tried; wait a few minutes and try again',
};

/**
 * Redeems a link code: the redeeming user is merged into the code's owner. Identities, favorites,
 * memberships, LoRAs and credits follow. A code works once and only before it expires; each user may
 * try only a few codes in a while, so codes cannot be guessed. Two identities of one platform never end
 * up on one user.
 */
export async function redeemLinkCode(
  deps: { db: Db; throttle: Throttle },
  redeemingUserId: string,
  code: string,
): Promise<User> {
  const { db } = deps;
  await deps.throttle.count(LINK_REDEMPTIONS_PER_USER, redeemingUserId);
  if (!/^[A-Za-z0-9]{8}$/.test(code.trim())) {
    throw AppError.invalidInput('A link code is 8 letters and digits', {
      code: ['must be 8 letters and digits'],
    });
  }
  const codeHash = hashCode(code);
  const targetId = await db.transaction().execute(async (tx) => {
    const consumed = await repo.consumeLinkCode(tx, codeHash, redeemingUserId);
    if (!consumed) {
      const row = await repo.findLinkCode(tx, codeHash);
      if (!row) throw AppError.invalidInput('That link code is not valid', { code: ['unknown code'] });
      if (row.used_at)
        throw AppError.invalidInput('That link code was already used', { code: ['already used'] });
      throw AppError.invalidInput('That link code has expired; ask for a new one with /link', {
        code: ['expired'],
      });
    }
    if (consumed.user_id === redeemingUserId) {
      throw AppError.invalidInput('That code is yours: redeem it from your other account', {
        code: ['own code'],
      });
    }
    await mergeUsers(tx, redeemingUserId, consumed.user_id);
    await publishEvents(tx, [
      { type: 'user', userId: redeemingUserId },
      { type: 'user', userId: consumed.user_id },
    ]);
    return consumed.user_id;
  });
  userChanged(redeemingUserId);
  userChanged(targetId);
  return getUser(db, targetId);
}

async function mergeUsers(tx: Tx, fromUserId: string, toUserId: string): Promise<void> {
  if ((await repo.countPendingHolds(tx, fromUserId)) > 0) {
    throw new AppError('CONFLICT', 'Wait until your running generations finish, then link again');
  }
  // One user with two identities on one platform would have every delivery handed to both.
  const theirs = new Set((await repo.listIdentities(tx, toUserId)).map((i) => i.platform));
  const shared = (await repo.listIdentities(tx, fromUserId)).find((i) => theirs.has(i.platform));
  if (shared) {
    throw new AppError(
      'CONFLICT',
      `That code belongs to an account that already has a ${shared.platform} identity; redeem it from another app`,
      { fieldErrors: { code: [`already linked to ${shared.platform}`] }, platform: shared.platform },
    );
  }
  const from = await creditsRepo.findPersonalAccount(tx, fromUserId);
  const to = await creditsRepo.findPersonalAccount(tx, toUserId);
  if (from && to && from.available > 0) {
    const key = `merge:${fromUserId}:${toUserId}`;
    await removeCredits(tx, {
      accountId: from.id,
      amount: from.available,
      kind: 'transfer_out',
      idempotencyKey: `${key}:out`,
      reason: 'Linked accounts merged',
    });
    await addCredits(tx, {
      accountId: to.id,
      amount: from.available,
      kind: 'transfer_in',
      idempotencyKey: `${key}:in`,
      reason: 'Linked accounts merged',
    });
  }
  await dropClashingRequestKeys(tx, fromUserId, toUserId);
  await renameClashingLoras(tx, fromUserId, toUserId);
  await repo.moveUserRows(tx, fromUserId, toUserId);
  await repo.markMerged(tx, fromUserId, toUserId);
}

/** Grants a role (the first admin is created with `npm run create-admin`). */
export async function setRole(db: Db, userId: string, role: UserRole): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await repo.setUserRole(tx, userId, role);
    await publishEvent(tx, { type: 'user', userId });
  });
  userChanged(userId);
}

export interface AccountSearchResult {
  accountId: string;
  kind: 'personal' | 'team';
  available: number;
  held: number;
  userId: string | null;
  spaceId: string | null;
  name: string;
  /** A personal account's linked identities; a team account's space. */
  identities: { platform: Platform; platformUserId: string; displayName: string }[];
  space: { platform: Platform; platformSpaceId: string; name: string } | null;
  flagged: boolean;
}

/**
 * Finds accounts by user, identity or space name (substring), platform user or space id, or account
 * or user id; with each personal account's linked identities.
 */
export async function searchAccounts(db: DbOrTx, query: string, limit = 20): Promise<AccountSearchResult[]> {
  const rows = await repo.searchAccounts(db, query.trim(), Math.min(Math.max(limit, 1), 100));
  const userIds = rows.flatMap((r) => (r.user_id ? [r.user_id] : []));
  const identities = userIds.length > 0 ? await repo.listIdentitiesOfUsers(db, userIds) : [];
  return rows.map((r) => ({
    accountId: r.id,
    kind: r.kind,
    available: r.available,
    held: r.held,
    userId: r.user_id,
    spaceId: r.space_id,
    name: r.kind === 'personal' ? (r.user_name ?? '') : `${r.space_name ?? ''} (${r.space_platform ?? ''})`,
    identities: identities
      .filter((i) => i.user_id === r.user_id)
      .map((i) => ({
        platform: i.platform,
        platformUserId: i.platform_user_id,
        displayName: i.display_name,
      })),
    space:
      r.space_platform && r.platform_space_id && r.space_name !== null
        ? { platform: r.space_platform, platformSpaceId: r.platform_space_id, name: r.space_name }
        : null,
    flagged: r.flagged_at !== null,
  }));
}

/** How many users have acted in a space. */
export function countSpaceMembers(db: DbOrTx, spaceId: string): Promise<number> {
  return repo.countMembers(db, spaceId);
}
