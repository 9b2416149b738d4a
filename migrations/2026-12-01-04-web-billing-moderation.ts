import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// The web app: one-time sign-in links and the sessions they open, Stripe purchases with their
// claw-backs, typed gallery reports, and the prompt block list admins edit.

const statements = [
  // A bot hands a user a link; redeeming it once opens a web session bound to the user and the space.
  `create table sign_in_links (
     token_hash text primary key,
     user_id uuid not null references users (id),
     space_id uuid references spaces (id),
     space_admin boolean not null default false,
     purpose text not null check (purpose in ('web', 'billing')),
     expires_at timestamptz not null,
     used_at timestamptz,
     created_at timestamptz not null default now()
   )`,
  `alter table web_sessions
     add column kind text not null default 'password' check (kind in ('password', 'link')),
     add column space_id uuid references spaces (id),
     add column space_admin boolean not null default false`,
  `create index web_sessions_user on web_sessions (user_id)`,

  `create table purchases (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id),
     account_id uuid not null references credit_accounts (id),
     pack_id text not null,
     credits bigint not null check (credits > 0),
     amount bigint not null check (amount >= 0),
     currency text not null,
     request_key text not null,
     status text not null default 'open' check (status in ('open', 'paid', 'expired', 'refunded')),
     stripe_session_id text unique,
     checkout_url text,
     payment_intent_id text unique,
     receipt_url text,
     credits_clawed_back bigint not null default 0 check (credits_clawed_back >= 0),
     credits_unrecovered bigint not null default 0 check (credits_unrecovered >= 0),
     paid_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (user_id, request_key)
   )`,
  `create index purchases_user on purchases (user_id, created_at desc, id desc)`,
  `create index purchases_account on purchases (account_id, created_at desc, id desc)`,
  `create index purchases_created on purchases (created_at desc, id desc)`,

  // What a refund or lost dispute could not take back because the credits were already spent.
  `create table credit_shortfalls (
     id bigint generated always as identity primary key,
     account_id uuid not null references credit_accounts (id),
     purchase_id uuid not null references purchases (id),
     amount bigint not null check (amount > 0),
     reason text not null,
     idempotency_key text not null unique,
     created_at timestamptz not null default now()
   )`,
  `alter table credit_accounts add column flagged_at timestamptz, add column flag_reason text`,

  `alter table gallery_reports add column category text not null default 'other'
     check (category in ('sexual', 'violence', 'hate', 'illegal', 'spam', 'other'))`,
  `create index gallery_reported on gallery_items (published_at, generation_id) where report_count > 0`,
  // Copied from the generation and its outputs when published, like category, so the NSFW tab of the
  // moderation queue is an index range instead of a join over every item.
  `alter table gallery_items add column nsfw boolean not null default false`,
  `update gallery_items gi set nsfw = true
     where exists (select 1 from generations g where g.id = gi.generation_id and g.nsfw)
        or exists (select 1 from generation_outputs o where o.generation_id = gi.generation_id and o.nsfw)`,
  `create index gallery_nsfw on gallery_items (published_at, generation_id) where nsfw and state <> 'removed'`,

  `create table prompt_block_terms (
     term text primary key,
     added_by uuid references users (id),
     created_at timestamptz not null default now()
   )`,

  // Dashboard series scan by day.
  `create index credit_entries_created on credit_entries (created_at)`,
  `create index generations_created on generations (created_at)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'drop index if exists generations_created',
    'drop index if exists credit_entries_created',
    'drop table if exists prompt_block_terms',
    'drop index if exists gallery_nsfw',
    'alter table gallery_items drop column if exists nsfw',
    'drop index if exists gallery_reported',
    'alter table gallery_reports drop column if exists category',
    'alter table credit_accounts drop column if exists flagged_at, drop column if exists flag_reason',
    'drop table if exists credit_shortfalls',
    'drop table if exists purchases',
    'drop index if exists web_sessions_user',
    'alter table web_sessions drop column if exists kind, drop column if exists space_id, drop column if exists space_admin',
    'drop table if exists sign_in_links',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
