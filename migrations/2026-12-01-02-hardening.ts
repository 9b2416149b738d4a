import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // Crash recovery of submits: the worker submitting a generation holds a short lease on it (a dead
  // worker's lease runs out within seconds), records when a request may have reached the provider
  // (so recovery looks for it before sending again) and counts the times it had to send again.
  await sql`
    alter table generations
      add column submit_lease_until timestamptz,
      add column submit_started_at timestamptz,
      add column resubmits integer not null default 0
  `.execute(db);
  await sql`
    create index generations_submit_lease_idx on generations (submit_lease_until)
    where status = 'queued' and submit_lease_until is not null
  `.execute(db);
  // Delivery leases belong to a bot process, not to one of its connections: a bot that reconnects
  // gets its own unacknowledged deliveries back at once; only another process waits for the lease.
  await sql`alter table deliveries add column lease_owner text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table deliveries drop column lease_owner`.execute(db);
  await sql`drop index generations_submit_lease_idx`.execute(db);
  await sql`
    alter table generations
      drop column submit_lease_until,
      drop column submit_started_at,
      drop column resubmits
  `.execute(db);
}
