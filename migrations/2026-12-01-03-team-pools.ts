import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// A team pool may be spent by the space's admins only (the bot states per request whether the acting
// person is an admin of the space), and `team` lists this month's spend per member, read from the
// pool's holds by creation time.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table team_policies drop constraint team_policies_spenders_check`.execute(db);
  await sql`alter table team_policies add constraint team_policies_spenders_check
              check (spenders in ('all_members', 'listed_members', 'space_admins'))`.execute(db);
  await sql`create index credit_holds_account_created on credit_holds (account_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index credit_holds_account_created`.execute(db);
  await sql`update team_policies set spenders = 'all_members' where spenders = 'space_admins'`.execute(db);
  await sql`alter table team_policies drop constraint team_policies_spenders_check`.execute(db);
  await sql`alter table team_policies add constraint team_policies_spenders_check
              check (spenders in ('all_members', 'listed_members'))`.execute(db);
}
