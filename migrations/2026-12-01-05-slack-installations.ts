import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

// One row per Slack installation of the app (a workspace, or an Enterprise Grid org for org-wide
// installs), keyed the way Bolt looks installations up. The installation itself (bot token and the
// rest of Bolt's record) is stored sealed with the core secret; uninstalling clears it but keeps the
// row, and never touches the workspace's space or its credit ledger.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table slack_installations (
      id uuid primary key default gen_random_uuid(),
      installation_key text not null unique,
      team_id text,
      enterprise_id text,
      is_enterprise_install boolean not null default false,
      team_name text,
      app_id text,
      bot_user_id text,
      installed_by text,
      sealed_installation text,
      installed_at timestamptz not null default now(),
      uninstalled_at timestamptz,
      check (team_id is not null or enterprise_id is not null),
      check ((sealed_installation is null) = (uninstalled_at is not null))
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table slack_installations`.execute(db);
}
