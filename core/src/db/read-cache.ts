import type { DbOrTx } from './database';

const caches = new Set<ReadCache<unknown>>();

/**
 * A small table that every request reads and admins rarely change (model settings, the prompt block
 * list), kept in memory per database handle. A change is announced over NOTIFY in its transaction
 * (see `settingsChanged` events) and every process drops its copy when it hears it, or when its
 * LISTEN connection comes back (it may have missed one); `ttlMs` bounds the age of a copy anyway.
 * Reads inside a transaction go to the database.
 */
export class ReadCache<T> {
  private readonly copies = new WeakMap<object, { value: Promise<T>; loadedAt: number }>();

  constructor(
    private readonly load: (db: DbOrTx) => Promise<T>,
    private readonly ttlMs = 30_000,
  ) {
    caches.add(this as ReadCache<unknown>);
  }

  get(db: DbOrTx): Promise<T> {
    if (db.isTransaction) return this.load(db);
    const copy = this.copies.get(db);
    if (copy && Date.now() - copy.loadedAt < this.ttlMs) return copy.value;
    const value = this.load(db);
    const fresh = { value, loadedAt: Date.now() };
    this.copies.set(db, fresh);
    // A failed read is not kept: the next request asks the database again.
    value.catch(() => {
      if (this.copies.get(db) === fresh) this.copies.delete(db);
    });
    return value;
  }

  clear(db: DbOrTx): void {
    this.copies.delete(db);
  }
}

/** Drops every cached copy for `db`: a setting changed (here or in another process), or LISTEN reconnected. */
export function clearReadCaches(db: DbOrTx): void {
  for (const cache of caches) cache.clear(db);
}
