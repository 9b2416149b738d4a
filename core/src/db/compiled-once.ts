import type { Compilable, CompiledQuery } from 'kysely';
import { type DbOrTx, readWithGenericPlan } from './database';

/** What a value is while the statement is built: a parameter nothing else could be. */
const PLACEHOLDER = '\u0000atelier-value:';

interface Compiled {
  query: CompiledQuery;
  /** For each parameter: the name of the value it takes, or the constant the builder put there. */
  slots: ({ value: string } | { constant: unknown })[];
}

/**
 * A statement that kysely builds and compiles once per shape instead of on every call: for a hot
 * read (a history or gallery page), building the query tree and compiling it to SQL costs about as
 * much CPU as PostgreSQL spends answering it. Each call only puts its values into the parameters.
 *
 * `build` is called with placeholders for the values, so it may branch on `shape` (which optional
 * parts the statement has) but never on a value, and every value must end up a bound parameter (as
 * kysely binds values by default); one spliced into the SQL text is refused when first compiled.
 * With `genericPlan`, it runs outside transactions where PostgreSQL plans it once for all values
 * (see `readWithGenericPlan`).
 */
export function compiledOnce<V extends Record<string, unknown>, S extends string, R>(
  build: (db: DbOrTx, values: V, shape: S) => Compilable<R>,
  opts: { genericPlan?: boolean } = {},
): (db: DbOrTx, shape: S, values: V) => Promise<R[]> {
  const shapes = new Map<S, Compiled>();
  const compile = (db: DbOrTx, shape: S): Compiled => {
    const placeholders = new Proxy({} as V, {
      get: (_, name) => (typeof name === 'string' ? `${PLACEHOLDER}${name}` : undefined),
    });
    const query = build(db, placeholders, shape).compile();
    if (query.sql.includes(PLACEHOLDER)) {
      throw new Error(`compiledOnce: a value was written into the SQL text of shape ${shape}, not bound`);
    }
    const slots = query.parameters.map((parameter) =>
      typeof parameter === 'string' && parameter.startsWith(PLACEHOLDER)
        ? { value: parameter.slice(PLACEHOLDER.length) }
        : { constant: parameter },
    );
    return { query, slots };
  };
  return async (db, shape, values) => {
    let compiled = shapes.get(shape);
    if (!compiled) {
      compiled = compile(db, shape);
      shapes.set(shape, compiled);
    }
    const parameters = compiled.slots.map((slot) => ('value' in slot ? values[slot.value] : slot.constant));
    const query = { ...compiled.query, parameters };
    const generic = opts.genericPlan ? readWithGenericPlan<R>(db, query) : null;
    return generic ?? (await db.executeQuery<R>(query)).rows;
  };
}
