import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, inject } from 'vitest';
import { type DatabaseHandle, type Db, openDatabase } from '../../core/src/db/database';
import { TEMPLATE_DB, withDatabase } from './template';

export interface TestDatabase {
  readonly db: Db;
  readonly url: string;
  /** A second, independent pool on the same database (another process's view). */
  connect(max?: number): DatabaseHandle;
}

/**
 * Registers hooks that give this test file a fresh database cloned from the migrated template,
 * dropped afterwards. Use at module level; the fields are ready inside tests and beforeAll hooks
 * declared after it.
 */
export function useTestDatabase(opts: { max?: number } = {}): TestDatabase {
  const name = `atelier_t_${randomBytes(6).toString('hex')}`;
  let admin: DatabaseHandle | undefined;
  let handle: DatabaseHandle | undefined;
  let url = '';
  const extra: DatabaseHandle[] = [];
  beforeAll(async () => {
    const adminUrl = inject('pgAdminUrl');
    admin = openDatabase(adminUrl, { max: 1 });
    await sql.raw(`create database ${name} template ${TEMPLATE_DB}`).execute(admin.db);
    url = withDatabase(adminUrl, name);
    handle = openDatabase(url, { max: opts.max ?? 20 });
  });
  afterAll(async () => {
    await handle?.close();
    for (const h of extra) await h.close();
    if (admin) {
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      await admin.close();
    }
  });
  return {
    get db() {
      if (!handle) throw new Error('test database not ready: use it inside tests or later hooks');
      return handle.db;
    },
    get url() {
      return url;
    },
    connect(max = 10) {
      const h = openDatabase(url, { max });
      extra.push(h);
      return h;
    },
  };
}
