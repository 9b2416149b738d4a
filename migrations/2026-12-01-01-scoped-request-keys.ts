import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// A request key (a bot's command id, e.g. a Telegram update id) is unique only within one caller: the
// acting user and the front end that sent it (a bot's token name, or the web). Before, keys were global,
// so one user's key could replay another user's generation or swallow their command.
//
// Also: a table of attempt counters for throttling (logins, link-code redemptions) that every core
// replica shares.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table generations add column request_scope text`.execute(db);
  await sql`update generations set request_scope = 'legacy' where request_key is not null`.execute(db);
  await sql`alter table generations drop constraint generations_request_key_key`.execute(db);
  await sql`alter table generations add constraint generations_request_key_scoped
              check ((request_key is null) = (request_scope is null))`.execute(db);
  await sql`create unique index generations_request_key on generations (user_id, request_scope, request_key)
              where request_key is not null`.execute(db);

  await sql`create table throttle_counters (
              key text primary key,
              attempts integer not null,
              window_ends_at timestamptz not null
            )`.execute(db);
  await sql`create index throttle_counters_window on throttle_counters (window_ends_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table throttle_counters`.execute(db);
  await sql`drop index generations_request_key`.execute(db);
  await sql`alter table generations drop constraint generations_request_key_scoped`.execute(db);
  await sql`alter table generations add constraint generations_request_key_key unique (request_key)`.execute(
    db,
  );
  await sql`alter table generations drop column request_scope`.execute(db);
}
