import { DatabaseTimeoutError } from './database';

/**
 * Settles like `promise`, or rejects with DatabaseTimeoutError after `ms`. A connection the database
 * dropped can leave a query that never settles (postgres.js, seen under pg_terminate_backend): the
 * work around it (a batch, a sweep, a submit) must give up waiting and let recovery take over.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
