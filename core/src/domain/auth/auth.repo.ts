import type { DbOrTx, Tx } from '../../db/database';
import type { Platform, SignInPurpose } from '../../db/types';

// Queries only. Tokens are stored as SHA-256 hashes, never in plain text.

export function insertServiceToken(
  db: DbOrTx,
  row: { name: string; platform: Platform; token_hash: string },
) {
  return db
    .insertInto('service_tokens')
    .values(row)
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

export function findActiveServiceToken(db: DbOrTx, tokenHash: string) {
  return db
    .selectFrom('service_tokens')
    .select(['id', 'name', 'platform'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export function revokeServiceTokens(db: DbOrTx, where: { name: string }) {
  return db
    .updateTable('service_tokens')
    .set({ revoked_at: new Date() })
    .where('name', '=', where.name)
    .where('revoked_at', 'is', null)
    .execute();
}

export function findCredentials(db: DbOrTx, username: string) {
  return db
    .selectFrom('web_credentials')
    .innerJoin('users', 'users.id', 'web_credentials.user_id')
    .select(['web_credentials.user_id', 'web_credentials.password_hash', 'users.role', 'users.display_name'])
    .where('web_credentials.username', '=', username)
    .executeTakeFirst();
}

export function upsertCredentials(
  db: DbOrTx,
  row: { user_id: string; username: string; password_hash: string },
) {
  return db
    .insertInto('web_credentials')
    .values(row)
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ password_hash: row.password_hash, username: row.username }),
    )
    .execute();
}

export function insertSession(
  db: DbOrTx,
  row: {
    token_hash: string;
    user_id: string;
    expires_at: Date;
    kind: 'password' | 'link';
    space_id?: string | null;
    space_admin?: boolean;
  },
) {
  return db.insertInto('web_sessions').values(row).execute();
}

/**
 * A live session with its user and, for link sessions, the space it is bound to. A user merged into
 * another by /link has no account of their own any more, so their sessions end.
 */
export function findSessionUser(db: DbOrTx, tokenHash: string) {
  return db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .leftJoin('spaces', 'spaces.id', 'web_sessions.space_id')
    .select([
      'users.id',
      'users.display_name',
      'users.role',
      'users.settings',
      'web_sessions.expires_at',
      'web_sessions.kind',
      'web_sessions.space_admin',
      'spaces.id as space_id',
      'spaces.platform as space_platform',
      'spaces.platform_space_id',
      'spaces.kind as space_kind',
      'spaces.name as space_name',
    ])
    .where('web_sessions.token_hash', '=', tokenHash)
    .where('web_sessions.expires_at', '>', new Date())
    .where('users.merged_into', 'is', null)
    .executeTakeFirst();
}

export function deleteSession(db: DbOrTx, tokenHash: string) {
  return db.deleteFrom('web_sessions').where('token_hash', '=', tokenHash).execute();
}

export function insertSignInLink(
  db: DbOrTx,
  row: {
    token_hash: string;
    user_id: string;
    space_id: string | null;
    space_admin: boolean;
    purpose: SignInPurpose;
    generation_id: string | null;
    expires_at: Date;
  },
) {
  return db.insertInto('sign_in_links').values(row).execute();
}

/** Marks a link used if it is still valid; the single UPDATE makes it single-use under concurrency. */
export function consumeSignInLink(tx: Tx, tokenHash: string) {
  return tx
    .updateTable('sign_in_links')
    .set({ used_at: new Date() })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning(['user_id', 'space_id', 'space_admin', 'purpose', 'generation_id'])
    .executeTakeFirst();
}

export function findSignInLink(db: DbOrTx, tokenHash: string) {
  return db
    .selectFrom('sign_in_links')
    .select(['used_at', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}
