import { Kysely, type Transaction } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { DB } from './types';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either a plain handle or a transaction: for queries that are fine in both. */
export type DbOrTx = Kysely<DB> | Transaction<DB>;

export interface DatabaseHandle {
  db: Db;
  close(): Promise<void>;
}

/** Opens a Kysely handle over postgres.js. int8 is parsed to number: credit amounts stay far below 2^53. */
export function openDatabase(url: string, opts: { max?: number } = {}): DatabaseHandle {
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => value.toString(),
        parse: (value: string) => Number(value),
      },
    },
  });
  // postgres.js prepares tagged-template queries but not `unsafe()` ones, which is what the dialect sends;
  // asking it to prepare them too lets PostgreSQL skip re-planning every repeated query.
  const preparing = {
    end: () => client.end(),
    reserve: async () => {
      const connection = await client.reserve();
      return {
        release: () => connection.release(),
        unsafe: (query: string, parameters?: unknown[]) =>
          connection.unsafe(query, parameters as postgres.ParameterOrJSON<never>[], { prepare: true }),
      };
    },
  };
  const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: () => preparing }) });
  // Closing waits at most 5 s for queries in flight (a stuck one must not hang a shutdown).
  return { db, close: () => client.end({ timeout: 5 }) };
}

/** Work on the database that did not finish in time (its connection may be gone): try again later. */
export class DatabaseTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** SQLSTATE of a postgres.js error, if it is one. */
export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Errors that mean "the database cannot be reached right now" (connection refused or lost, server
 * shutting down or starting, too many connections), as opposed to a query that is wrong.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code !== undefined) return UNAVAILABLE_CODES.has(code) || code.startsWith('08');
  // Errors wrapped by another layer (pg-boss, kysely) keep the driver's error as their cause.
  return error instanceof Error && error.cause !== undefined && isDatabaseUnavailable(error.cause);
}

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';
