import type { DbOrTx } from '../../db/database';
import type { Platform } from '../../db/types';

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

export function insertSession(db: DbOrTx, row: { token_hash: string; user_id: string; expires_at: Date }) {
  return db.insertInto('web_sessions').values(row).execute();
}

export function findSessionUser(db: DbOrTx, tokenHash: string) {
  return db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .select(['users.id', 'users.display_name', 'users.role', 'users.settings', 'web_sessions.expires_at'])
    .where('web_sessions.token_hash', '=', tokenHash)
    .where('web_sessions.expires_at', '>', new Date())
    .executeTakeFirst();
}

export function deleteSession(db: DbOrTx, tokenHash: string) {
  return db.deleteFrom('web_sessions').where('token_hash', '=', tokenHash).execute();
}
