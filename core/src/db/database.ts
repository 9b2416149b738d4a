import { type CompiledQuery, type DatabaseConnection, Kysely, type QueryResult, Transaction } from 'kysely';
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
  const options: postgres.Options<Record<string, postgres.PostgresType>> = {
    onnotice: () => {},
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => value.toString(),
        parse: (value: string) => Number(value),
      },
    },
  };
  const client = postgres(url, { ...options, max: opts.max ?? 10 });
  // A quarter as many connections (at least 2) that plan each prepared statement once for all values
  // (see `readWithGenericPlan`), each opened when first needed. postgres.js pipelines many reads on one.
  const generic = postgres(url, {
    ...options,
    max: Math.max(2, Math.ceil((opts.max ?? 10) / 4)),
    connection: { plan_cache_mode: 'force_generic_plan' },
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
  const dialect = new PostgresJSDialect({ postgres: () => preparing });
  const db = new Kysely<DB>({ dialect });
  // What a Transaction needs besides its executor; never used to connect (statements go to `shared`).
  const transactionProps = { config: { dialect }, dialect, driver: dialect.createDriver() };
  pipelines.set(db, async (work) => {
    const connection = await client.reserve();
    const shared: DatabaseConnection = {
      async executeQuery<R>(query: { sql: string; parameters: readonly unknown[] }): Promise<QueryResult<R>> {
        const result = await connection.unsafe(
          query.sql,
          query.parameters as postgres.ParameterOrJSON<never>[],
          { prepare: true },
        );
        return {
          numAffectedRows: CHANGING_COMMANDS.has(result.command) ? BigInt(result.count) : undefined,
          rows: Array.from(result.values()) as R[],
        };
      },
      streamQuery() {
        throw new Error('a pipelined transaction does not stream');
      },
    };
    // Every statement uses this one connection as soon as it is built: none waits for another's answer.
    const executor = db.getExecutor().withConnectionProvider({ provideConnection: (use) => use(shared) });
    const tx = new Transaction<DB>({ ...transactionProps, executor });
    // `begin` goes out with the first statements; if it failed they fail too, and so does the work.
    const begun = connection.unsafe('begin');
    begun.catch(() => {});
    try {
      const result = await work(tx);
      await begun;
      await connection.unsafe('commit');
      return result;
    } catch (error) {
      await connection.unsafe('rollback').catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  });
  genericReads.set(db, async (query) =>
    Array.from(
      (await generic.unsafe(query.sql, query.parameters as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      })) as Iterable<unknown>,
    ),
  );
  // Closing waits at most 5 s for queries in flight (a stuck one must not hang a shutdown).
  return {
    db,
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), generic.end({ timeout: 5 })]);
    },
  };
}

const genericReads = new WeakMap<Db, (query: CompiledQuery) => Promise<unknown[]>>();

/**
 * Runs a read on connections where PostgreSQL plans each prepared statement once, for any values,
 * instead of planning it again on every call. That suits statements whose best plan does not depend
 * on the values (a keyset page always walks the same index), where re-planning costs as much as
 * running them; it would not suit queries whose plan should (partial indexes, skewed filters), so
 * it is not the pool's default. Null for handles not opened by `openDatabase` and in transactions.
 */
export function readWithGenericPlan<R>(db: DbOrTx, query: CompiledQuery): Promise<R[]> | null {
  const read = db.isTransaction ? undefined : genericReads.get(db as Db);
  return read ? (read(query) as Promise<R[]>) : null;
}

/** Commands whose row count kysely reports as `numAffectedRows`. */
const CHANGING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

type Pipeline = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
const pipelines = new WeakMap<Db, Pipeline>();

/**
 * Runs `work` in one transaction whose statements are pipelined. Kysely's own transactions send one
 * statement at a time, each after the previous one's answer, which suits a chain of dependent
 * statements; when independent pieces of work share a transaction (the account batcher's units),
 * that costs a round trip per statement. Here each statement goes out as soon as it is built, on the
 * transaction's one connection, and PostgreSQL runs them in the order they arrive; a statement still
 * sees everything sent before it. A failed statement fails the transaction, which is rolled back.
 * Handles not opened by `openDatabase` get a plain transaction.
 */
export function pipelinedTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  const pipeline = pipelines.get(db);
  return pipeline ? pipeline(work) : db.transaction().execute(work);
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
