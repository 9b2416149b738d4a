import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const APPEND_ONLY = (table: string) => [
  `create trigger ${table}_no_update before update or delete on ${table}
     for each row execute function refuse_mutation()`,
  `create trigger ${table}_no_truncate before truncate on ${table}
     for each statement execute function refuse_mutation()`,
];

const statements = [
  `create function refuse_mutation() returns trigger language plpgsql as $$
   begin
     raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'P0001';
   end $$`,

  `create table users (
     id uuid primary key default gen_random_uuid(),
     display_name text not null,
     role text not null default 'user' check (role in ('user', 'moderator', 'admin')),
     settings jsonb not null default '{}',
     merged_into uuid references users (id),
     created_at timestamptz not null default now()
   )`,

  `create table identities (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id),
     platform text not null check (platform in ('discord', 'telegram', 'slack', 'web', 'console')),
     platform_user_id text not null,
     display_name text not null,
     created_at timestamptz not null default now(),
     unique (platform, platform_user_id)
   )`,
  `create index identities_user_id on identities (user_id)`,

  `create table spaces (
     id uuid primary key default gen_random_uuid(),
     platform text not null check (platform in ('discord', 'telegram', 'slack', 'web', 'console')),
     platform_space_id text not null,
     kind text not null check (kind in ('guild', 'workspace', 'group', 'dm')),
     name text not null,
     settings jsonb not null default '{}',
     created_at timestamptz not null default now(),
     unique (platform, platform_space_id)
   )`,

  `create table space_members (
     space_id uuid not null references spaces (id),
     user_id uuid not null references users (id),
     role text not null default 'member' check (role in ('owner', 'manager', 'member')),
     joined_at timestamptz not null default now(),
     primary key (space_id, user_id)
   )`,
  `create index space_members_user_id on space_members (user_id)`,

  `create table credit_accounts (
     id uuid primary key default gen_random_uuid(),
     kind text not null check (kind in ('personal', 'team')),
     user_id uuid unique references users (id),
     space_id uuid unique references spaces (id),
     available bigint not null default 0 check (available >= 0),
     held bigint not null default 0 check (held >= 0),
     created_at timestamptz not null default now(),
     check ((kind = 'personal' and user_id is not null and space_id is null)
         or (kind = 'team' and space_id is not null and user_id is null))
   )`,

  `create table team_policies (
     account_id uuid primary key references credit_accounts (id),
     spenders text not null default 'all_members' check (spenders in ('all_members', 'listed_members')),
     member_monthly_cap bigint check (member_monthly_cap >= 0),
     allowed_models text[],
     updated_at timestamptz not null default now(),
     updated_by uuid references users (id)
   )`,

  `create table team_spenders (
     account_id uuid not null references credit_accounts (id),
     user_id uuid not null references users (id),
     added_at timestamptz not null default now(),
     primary key (account_id, user_id)
   )`,

  // One row per member and month; the cap is enforced by a conditional UPDATE on it.
  `create table team_member_usage (
     account_id uuid not null references credit_accounts (id),
     user_id uuid not null references users (id),
     month date not null,
     spent bigint not null default 0 check (spent >= 0),
     primary key (account_id, user_id, month)
   )`,

  `create table credit_holds (
     id uuid primary key default gen_random_uuid(),
     account_id uuid not null references credit_accounts (id),
     user_id uuid not null references users (id),
     amount bigint not null check (amount > 0),
     status text not null default 'pending' check (status in ('pending', 'captured', 'released')),
     reference text not null,
     idempotency_key text not null unique,
     usage_month date,
     release_reason text,
     created_at timestamptz not null default now(),
     resolved_at timestamptz
   )`,
  `create index credit_holds_pending on credit_holds (account_id) where status = 'pending'`,
  `create index credit_holds_reference on credit_holds (reference)`,

  `create table credit_entries (
     id bigint generated always as identity primary key,
     account_id uuid not null references credit_accounts (id),
     kind text not null check (kind in ('starter', 'grant', 'purchase', 'refund', 'adjustment',
                                        'hold', 'capture', 'release', 'transfer_in', 'transfer_out')),
     amount bigint not null,
     held_delta bigint not null default 0,
     hold_id uuid references credit_holds (id),
     idempotency_key text not null unique,
     actor_user_id uuid references users (id),
     reason text,
     external_ref text,
     created_at timestamptz not null default now()
   )`,
  `create index credit_entries_account on credit_entries (account_id, id)`,
  ...APPEND_ONLY('credit_entries'),

  `create table audit_events (
     id bigint generated always as identity primary key,
     actor_user_id uuid references users (id),
     action text not null,
     target_type text not null,
     target_id text not null,
     reason text,
     data jsonb not null default '{}',
     created_at timestamptz not null default now()
   )`,
  `create index audit_events_created on audit_events (created_at desc, id desc)`,
  `create index audit_events_target on audit_events (target_type, target_id)`,
  ...APPEND_ONLY('audit_events'),

  `create table favorites (
     user_id uuid not null references users (id),
     model_id text not null,
     created_at timestamptz not null default now(),
     primary key (user_id, model_id)
   )`,

  `create table model_settings (
     model_id text primary key,
     enabled boolean,
     price_credits integer check (price_credits > 0),
     updated_at timestamptz not null default now(),
     updated_by uuid references users (id)
   )`,

  `create table link_codes (
     code_hash text primary key,
     user_id uuid not null references users (id),
     expires_at timestamptz not null,
     used_at timestamptz,
     used_by_user_id uuid references users (id),
     created_at timestamptz not null default now()
   )`,

  `create table web_credentials (
     user_id uuid primary key references users (id),
     username text not null unique,
     password_hash text not null,
     created_at timestamptz not null default now()
   )`,

  `create table web_sessions (
     token_hash text primary key,
     user_id uuid not null references users (id),
     expires_at timestamptz not null,
     created_at timestamptz not null default now()
   )`,

  `create table service_tokens (
     id uuid primary key default gen_random_uuid(),
     name text not null,
     platform text not null check (platform in ('discord', 'telegram', 'slack', 'web', 'console')),
     token_hash text not null unique,
     created_at timestamptz not null default now(),
     revoked_at timestamptz
   )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'service_tokens',
    'web_sessions',
    'web_credentials',
    'link_codes',
    'model_settings',
    'favorites',
    'audit_events',
    'credit_entries',
    'credit_holds',
    'team_member_usage',
    'team_spenders',
    'team_policies',
    'credit_accounts',
    'space_members',
    'spaces',
    'identities',
    'users',
  ]) {
    await sql.raw(`drop table if exists ${table} cascade`).execute(db);
  }
  await sql.raw('drop function if exists refuse_mutation()').execute(db);
}
