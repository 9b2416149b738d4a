import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// A chat result's "Continue on web" link opens that generation in the studio: the link remembers it.
// Deleting the generation leaves the link usable; it then opens the studio without it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sign_in_links
              add column generation_id uuid references generations (id) on delete set null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sign_in_links drop column generation_id`.execute(db);
}
