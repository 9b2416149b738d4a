import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const statements = [
  `create table uploads (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id),
     kind text not null check (kind in ('image', 'audio', 'video', 'archive')),
     status text not null default 'pending' check (status in ('pending', 'ready', 'rejected')),
     storage_key text not null unique,
     filename text,
     declared_type text not null,
     declared_size bigint not null check (declared_size > 0),
     mime text,
     size bigint,
     width integer,
     height integer,
     rejection_reason text,
     url_expires_at timestamptz not null,
     created_at timestamptz not null default now(),
     completed_at timestamptz,
     deleted_at timestamptz
   )`,
  `create index uploads_user on uploads (user_id, kind, created_at desc) where deleted_at is null`,

  `create table generations (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id),
     space_id uuid references spaces (id),
     account_id uuid not null references credit_accounts (id),
     hold_id uuid references credit_holds (id) deferrable initially deferred,
     model_id text not null,
     category text not null check (category in ('image', 'video', 'music', '3d', 'audio', 'lora')),
     input jsonb not null,
     prompt text,
     price bigint not null check (price > 0),
     status text not null default 'queued'
       check (status in ('queued', 'submitted', 'processing', 'succeeded', 'failed', 'cancelled')),
     provider text not null check (provider in ('fal', 'demo')),
     provider_request_id text,
     queue_position integer,
     progress integer check (progress between 0 and 100),
     last_log text,
     failure_reason text,
     submit_attempts integer not null default 0,
     rerolled_from uuid references generations (id),
     request_key text unique,
     origin jsonb not null default '{}',
     nsfw boolean not null default false,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     submitted_at timestamptz,
     finished_at timestamptz,
     deleted_at timestamptz,
     unique (provider, provider_request_id)
   )`,
  `create index generations_history on generations (user_id, created_at desc, id desc) where deleted_at is null`,
  `create index generations_history_category on generations (user_id, category, created_at desc, id desc)
     where deleted_at is null`,
  `create index generations_active on generations (status, updated_at) where status in ('queued', 'submitted', 'processing')`,

  `create table generation_outputs (
     id uuid primary key default gen_random_uuid(),
     generation_id uuid not null references generations (id) on delete cascade,
     position integer not null,
     kind text not null check (kind in ('image', 'video', 'audio', 'model3d', 'text', 'lora')),
     storage_key text,
     media_type text,
     size bigint,
     width integer,
     height integer,
     duration_ms integer,
     nsfw boolean not null default false,
     text_content text,
     unique (generation_id, position)
   )`,

  // Outbox: one row per outcome a chat must hear about; bots acknowledge what they posted.
  `create table deliveries (
     id bigint generated always as identity primary key,
     generation_id uuid not null references generations (id) on delete cascade,
     outcome text not null check (outcome in ('succeeded', 'failed', 'cancelled')),
     platform text not null,
     user_id uuid not null references users (id),
     space_id uuid references spaces (id),
     created_at timestamptz not null default now(),
     acked_at timestamptz,
     unique (generation_id, outcome)
   )`,
  `create index deliveries_pending on deliveries (platform, id) where acked_at is null`,

  `create table provider_webhooks (
     provider text not null,
     request_id text not null,
     received_at timestamptz not null default now(),
     primary key (provider, request_id)
   )`,

  `create table gallery_items (
     generation_id uuid primary key references generations (id) on delete cascade,
     user_id uuid not null references users (id),
     category text not null,
     state text not null check (state in ('pending', 'approved', 'hidden', 'removed')),
     published_at timestamptz not null default now(),
     report_count integer not null default 0,
     moderated_at timestamptz,
     moderated_by uuid references users (id),
     moderation_reason text
   )`,
  `create index gallery_feed on gallery_items (published_at desc, generation_id desc) where state = 'approved'`,
  `create index gallery_feed_category on gallery_items (category, published_at desc, generation_id desc)
     where state = 'approved'`,
  `create index gallery_queue on gallery_items (state, published_at)`,

  `create table gallery_reports (
     generation_id uuid not null references gallery_items (generation_id) on delete cascade,
     reporter_user_id uuid not null references users (id),
     reason text not null,
     created_at timestamptz not null default now(),
     primary key (generation_id, reporter_user_id)
   )`,

  `create table loras (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id),
     name text not null,
     trigger_word text not null,
     status text not null default 'training' check (status in ('training', 'ready', 'failed')),
     training_generation_id uuid references generations (id),
     weights_key text,
     failure_reason text,
     created_at timestamptz not null default now(),
     deleted_at timestamptz
   )`,
  `create unique index loras_user_name on loras (user_id, lower(name)) where deleted_at is null`,

  `create table lora_shares (
     lora_id uuid not null references loras (id) on delete cascade,
     space_id uuid not null references spaces (id),
     shared_at timestamptz not null default now(),
     primary key (lora_id, space_id)
   )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'lora_shares',
    'loras',
    'gallery_reports',
    'gallery_items',
    'provider_webhooks',
    'deliveries',
    'generation_outputs',
    'generations',
    'uploads',
  ]) {
    await sql.raw(`drop table if exists ${table} cascade`).execute(db);
  }
}
