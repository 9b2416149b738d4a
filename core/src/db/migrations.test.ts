import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../test/support/db';

const t = useTestDatabase();

describe('the migrated schema', () => {
  it('has every table the domain uses', async () => {
    const tables = await t.db.introspection.getTables();
    const names = tables.map((x) => x.name);
    for (const name of [
      'users',
      'identities',
      'spaces',
      'credit_accounts',
      'credit_entries',
      'credit_holds',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit events', async () => {
    await t.db.insertInto('audit_events').values({ action: 'x', target_type: 't', target_id: '1' }).execute();
    await expect(t.db.updateTable('audit_events').set({ action: 'y' }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});
