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

/** SQLSTATE of a postgres.js error, if it is one. */
export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';
