import superjson from 'superjson';

/**
 * How values cross the wire between core and its clients: superjson, so a `Date` (or `Map`, `bigint`)
 * a procedure returns arrives as the same type. Server and every client must use this one transformer.
 */
export const transformer = superjson;
