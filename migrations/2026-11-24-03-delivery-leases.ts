import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// A delivery handed to one bot connection is leased to it for a while, so replicas of a bot on the
// same platform never post the same result twice; an unacknowledged lease expires and is handed out again.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table deliveries add column lease_until timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table deliveries drop column lease_until`.execute(db);
}
