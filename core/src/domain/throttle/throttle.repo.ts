import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';

// Queries only.

/**
 * Counts one attempt for `key` in its current fixed window (a new window starts when the old one has
 * ended) in a single upsert, so concurrent attempts on any replica are all counted.
 */
export async function countAttempt(db: DbOrTx, key: string, windowSeconds: number) {
  const result = await sql<{ attempts: number; seconds_left: number }>`
    insert into throttle_counters as c (key, attempts, window_ends_at)
    values (${key}, 1, now() + make_interval(secs => ${windowSeconds}))
    on conflict (key) do update set
      attempts = case when c.window_ends_at <= now() then 1 else c.attempts + 1 end,
      window_ends_at = case when c.window_ends_at <= now() then excluded.window_ends_at else c.window_ends_at end
    returning attempts, ceil(extract(epoch from window_ends_at - now()))::int as seconds_left`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('throttle upsert returned no row');
  return { attempts: row.attempts, secondsLeft: row.seconds_left };
}

export function deleteEndedWindows(db: DbOrTx, endedBefore: Date) {
  return db.deleteFrom('throttle_counters').where('window_ends_at', '<', endedBefore).execute();
}
