import { createHash, randomBytes } from 'node:crypto';
import type { Db, DbOrTx } from '../../db/database';
import type { Platform, UserRole } from '../../db/types';
import { AppError } from '../../errors';
import { ensureUser, type Space, setRole, type User } from '../accounts/accounts.service';
import type { Throttle, ThrottleRule } from '../throttle/throttle.service';
import * as repo from './auth.repo';
import { hashPassword, verifyPassword } from './passwords';

export interface ServiceCaller {
  tokenId: string;
  name: string;
  /** The only platform whose identities this token may act for. */
  platform: Platform;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Mints a bot service token bound to one platform; the plain token is returned once and stored hashed. */
export async function createServiceToken(
  db: DbOrTx,
  input: { name: string; platform: Platform },
): Promise<string> {
  const token = `atl_${input.platform}_${randomBytes(24).toString('base64url')}`;
  await repo.insertServiceToken(db, {
    name: input.name,
    platform: input.platform,
    token_hash: sha256(token),
  });
  return token;
}

/** Revokes every active token of that name (used when the all-in-one process mints fresh ones). */
export async function revokeServiceTokens(db: DbOrTx, name: string): Promise<void> {
  await repo.revokeServiceTokens(db, { name });
}

/** The caller behind a service token, or null for an unknown or revoked token. */
export async function verifyServiceToken(db: DbOrTx, token: string): Promise<ServiceCaller | null> {
  if (!token.startsWith('atl_')) return null;
  const row = await repo.findActiveServiceToken(db, sha256(token));
  return row ? { tokenId: row.id, name: row.name, platform: row.platform } : null;
}

/** Creates (or resets the password of) a web login with a role; used by `npm run create-admin`. */
export async function createWebLogin(
  db: Db,
  input: { username: string; password: string; role: UserRole },
): Promise<User> {
  const username = input.username.trim().toLowerCase();
  if (!/^[a-z0-9._@-]{3,64}$/.test(username)) {
    throw AppError.invalidInput('Usernames are 3-64 letters, digits, dots, dashes, @ or _', {
      username: ['invalid username'],
    });
  }
  if (input.password.length < 12) {
    throw AppError.invalidInput('Passwords need at least 12 characters', { password: ['too short'] });
  }
  const user = await ensureUser(db, { platform: 'web', platformUserId: username, displayName: username }, 0);
  await repo.upsertCredentials(db, {
    user_id: user.id,
    username,
    password_hash: await hashPassword(input.password),
  });
  await setRole(db, user.id, input.role);
  return { ...user, role: input.role };
}

const LOGINS_PER_ADDRESS: ThrottleRule = {
  name: 'login:address',
  limit: 30,
  windowSeconds: 15 * 60,
  message: 'Too many sign-in attempts from your network; try again later',
};
const LOGINS_PER_USERNAME: ThrottleRule = {
  name: 'login:username',
  limit: 10,
  windowSeconds: 15 * 60,
  message: 'Too many sign-in attempts for this username; try again later',
};

/**
 * A password sign-in from the web: counted per client address and per username before any hashing
 * (RATE_LIMITED once either is over its limit, the right password included), then `login`.
 */
export async function signIn(
  deps: { db: Db; throttle: Throttle },
  attempt: { username: string; password: string; clientAddress: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  await deps.throttle.count(LOGINS_PER_ADDRESS, attempt.clientAddress ?? 'unknown');
  await deps.throttle.count(LOGINS_PER_USERNAME, attempt.username.trim().toLowerCase());
  return login(deps.db, attempt.username, attempt.password);
}

/** Checks a username and password; returns a new session token. Wrong credentials say nothing about which part. */
export async function login(
  db: Db,
  username: string,
  password: string,
): Promise<{ token: string; expiresAt: Date }> {
  const credentials = await repo.findCredentials(db, username.trim().toLowerCase());
  if (!credentials) {
    // Hash anyway so the response time does not reveal which usernames exist.
    await verifyPassword(password, DUMMY_HASH);
    throw new AppError('UNAUTHORIZED', 'Wrong username or password');
  }
  if (!(await verifyPassword(password, credentials.password_hash))) {
    throw new AppError('UNAUTHORIZED', 'Wrong username or password');
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await repo.insertSession(db, {
    token_hash: sha256(token),
    user_id: credentials.user_id,
    expires_at: expiresAt,
    kind: 'password',
  });
  return { token, expiresAt };
}

/** Opens a web session for a user who redeemed a sign-in link; bound to the link's space. */
export async function openLinkSession(
  db: DbOrTx,
  input: { userId: string; spaceId: string | null; spaceAdmin: boolean },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await repo.insertSession(db, {
    token_hash: sha256(token),
    user_id: input.userId,
    expires_at: expiresAt,
    kind: 'link',
    space_id: input.spaceId,
    space_admin: input.spaceAdmin,
  });
  return { token, expiresAt };
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * A signed-in web visitor: staff signed in with a password, or a user who opened a bot's sign-in link
 * (then bound to the space the link was made in, and to whether the bot said they administer it).
 */
export interface WebSession {
  user: User;
  kind: 'password' | 'link';
  space: Space | null;
  spaceAdmin: boolean;
  expiresAt: Date;
}

/** The session behind a live session token, or null. */
export async function verifySession(db: DbOrTx, token: string): Promise<WebSession | null> {
  const row = await repo.findSessionUser(db, sha256(token));
  if (!row) return null;
  const space: Space | null =
    row.space_id && row.space_platform && row.platform_space_id && row.space_kind && row.space_name
      ? {
          id: row.space_id,
          platform: row.space_platform,
          platformSpaceId: row.platform_space_id,
          kind: row.space_kind,
          name: row.space_name,
        }
      : null;
  return {
    user: { id: row.id, displayName: row.display_name, role: row.role, settings: row.settings ?? {} },
    kind: row.kind,
    space,
    spaceAdmin: space !== null && row.space_admin,
    expiresAt: row.expires_at,
  };
}

/** Ends a session. */
export async function logout(db: DbOrTx, token: string): Promise<void> {
  await repo.deleteSession(db, sha256(token));
}
