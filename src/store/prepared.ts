// Statements built by Kysely once, not on every call. Kysely builds an immutable query
// tree and compiles it to SQL each time a query runs; on the sign-in path (a dozen
// statements per code step) that cost about as much as SQLite running them. A statement
// whose SQL text cannot depend on its arguments is compiled once per dialect with
// stand-ins for its arguments, and each call only puts the real values in their places.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Where an argument goes: Kysely keeps it as a parameter value, untouched. */
class StandIn {
  constructor(readonly index: number) {}
}

/**
 * `build` must use its arguments as values only (in where, set, values), never to choose a
 * column, a clause or another value: that would be compiled once and kept. A stand-in that
 * does not come out as a parameter (used in arithmetic, or to choose) fails the first call.
 */
export function prepared<A extends unknown[], R>(build: (db: Db, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<QueryResult<R>> {
  const compiledPerDialect = new Map<Function, CompiledQuery<R>>();
  // async: a builder refused at its first call is a rejected promise, like any failed query.
  return async (db, ...args) => {
    // The adapter's class names the dialect; transactions share their database's adapter.
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = compiledPerDialect.get(dialect);
    if (!compiled) {
      const standIns = args.map((_, index) => new StandIn(index));
      compiled = build(db, ...(standIns as unknown as A)).compile();
      const missing = standIns.filter((standIn) => !compiled!.parameters.includes(standIn));
      if (missing.length > 0) throw new Error(`prepared statement: argument ${missing[0]!.index} is not used as a value in: ${compiled.sql}`);
      compiledPerDialect.set(dialect, compiled);
    }
    const parameters = compiled.parameters.map((value) => (value instanceof StandIn ? args[value.index] : value));
    return db.executeQuery<R>({ ...compiled, parameters });
  };
}

/** The first row, as executeTakeFirst gives it. */
export async function firstRow<R>(result: Promise<QueryResult<R>>): Promise<R | undefined> {
  return (await result).rows[0];
}

/** How many rows an insert, update or delete changed, as Kysely's results count them. */
export async function changedRows(result: Promise<QueryResult<unknown>>): Promise<bigint> {
  return (await result).numAffectedRows ?? 0n;
}
