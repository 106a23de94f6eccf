// PostgreSQL connections end without warning: a server restart, a failover, an idle
// timeout, an administrator's pg_terminate_backend. node-postgres then emits 'error' on
// the pool (which kills the process when nobody listens) and fails whatever was running
// on that connection. This file keeps the process up and retries what is safe to retry.
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { TwofoldError } from '../errors.js';

/** SQLSTATE classes and codes that mean "this connection is gone", not "this statement is wrong". */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_SQLSTATE_CLASS = '08';
const CONNECTION_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED']);
/** node-postgres reports some losses only in words. */
const CONNECTION_MESSAGES = [/^Connection terminated/, /is not queryable/, /^timeout exceeded when trying to connect/, /^Connection ended/];
/** Raised before anything was sent: safe to retry whatever the statement. */
const NEVER_SENT_MESSAGES = [/is not queryable/];

export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_SQLSTATES.has(code) || code.startsWith(CONNECTION_SQLSTATE_CLASS) && code.length === 5) return true;
    if (CONNECTION_SYSCALL_CODES.has(code)) return true;
  }
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** Failures whose COMMIT was sent when the connection went: it may or may not have happened. */
const commitOutcomeUnknown = new WeakSet<object>();

/** What callers see of a lost connection: the "try again" error of the errors table, the driver's error as its cause. */
function databaseUnavailable(cause: unknown, options: { commitSent?: boolean } = {}): TwofoldError {
  const error = new TwofoldError('database_unavailable', {}, { cause });
  if (options.commitSent) commitOutcomeUnknown.add(error);
  return error;
}

/** True when a transaction failed with its connection before COMMIT was sent: nothing was written. */
export function isTransactionSafeToRetry(error: unknown): boolean {
  return error instanceof TwofoldError && error.code === 'database_unavailable' && !commitOutcomeUnknown.has(error);
}

export type ConnectionEvent = 'idle_connection_lost' | 'checked_out_connection_lost' | 'statement_retried' | 'statement_failed' | 'connect_failed';

export interface ConnectionEvents {
  /** how many times each event happened since the store opened; metrics read these */
  readonly counts: Record<ConnectionEvent, number>;
  record(event: ConnectionEvent, error: unknown): void;
}

export function connectionEvents(log?: (event: ConnectionEvent, details: { code?: string; message: string }) => void): ConnectionEvents {
  const counts: Record<ConnectionEvent, number> = { idle_connection_lost: 0, checked_out_connection_lost: 0, statement_retried: 0, statement_failed: 0, connect_failed: 0 };
  return {
    counts,
    record(event, error) {
      counts[event] += 1;
      // Only the code and message: never the statement's parameters (they hold token hashes, emails).
      const code = (error as { code?: unknown } | null)?.code;
      log?.(event, { ...(typeof code === 'string' ? { code } : {}), message: error instanceof Error ? error.message : String(error) });
    },
  };
}

function firstKeyword(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '';
}

const ROLLED_BACK: PostgresQueryResult<never> = { command: 'ROLLBACK', rowCount: 0, rows: [] };

/**
 * Hands Kysely clients that survive the loss of their connection where that is safe:
 * a statement outside a transaction that is a read (or was never sent) runs again on a
 * fresh connection; anything inside a transaction fails, and the transaction helper
 * retries the whole transaction when COMMIT was never sent. A lost client never goes
 * back to the pool.
 */
export function resilientPool(pool: pg.Pool, events: ConnectionEvents): PostgresPool {
  // An idle client whose server went away: pg emits this on the pool and drops the
  // client. Without a listener Node treats it as unhandled and ends the process.
  pool.on('error', (error) => events.record('idle_connection_lost', error));
  // And every client hears its own errors for its whole life. The pool listens only while
  // a client is idle; between being handed out and being released (and after a lost
  // client is let go, while it closes) nobody else would, and one unheard 'error' event
  // ends the process. A loss while checked out is counted once per client.
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    let reported = false;
    client.on('error', (error) => {
      if (reported || !checkedOut.has(client as pg.PoolClient)) return;
      reported = true;
      events.record('checked_out_connection_lost', error);
    });
  });
  return {
    connect: async () => new ResilientClient(pool, await connectOrExplain(pool, events), events, checkedOut),
    end: () => pool.end(),
  };
}

class ResilientClient implements PostgresPoolClient {
  private inTransaction = false;
  private client: pg.PoolClient | null = null;

  constructor(
    private readonly pool: pg.Pool,
    client: pg.PoolClient,
    private readonly events: ConnectionEvents,
    private readonly checkedOut: WeakSet<pg.PoolClient>,
  ) {
    this.hold(client);
  }

  private hold(client: pg.PoolClient): pg.PoolClient {
    this.checkedOut.add(client);
    this.client = client;
    return client;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: never): never;
  query<R>(sql: string, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    return this.run<R>(sql, parameters ?? []);
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const keyword = firstKeyword(sql);
    if (!this.client) {
      // The connection died inside a transaction; the server rolled it back already.
      if (keyword === 'rollback') return ROLLED_BACK as PostgresQueryResult<R>;
      throw databaseUnavailable(new Error('the connection was lost earlier in this transaction'));
    }
    try {
      const result = (await this.client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
      if (keyword === 'begin' || keyword === 'start') this.inTransaction = true;
      else if (keyword === 'commit' || keyword === 'rollback') this.inTransaction = false;
      return result;
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      this.discard(error);
      const neverSent = error instanceof Error && NEVER_SENT_MESSAGES.some((pattern) => pattern.test(error.message));
      const retryable = !this.inTransaction && keyword !== 'commit' && (keyword === 'select' || neverSent);
      if (!retryable) {
        this.events.record('statement_failed', error);
        throw databaseUnavailable(error, { commitSent: keyword === 'commit' });
      }
      this.events.record('statement_retried', error);
      // One retry, on a connection of its own; a second loss is reported to the caller.
      const fresh = this.hold(await connectOrExplain(this.pool, this.events));
      try {
        return (await fresh.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
      } catch (again) {
        if (!isConnectionLost(again)) throw again;
        this.discard(again);
        this.events.record('statement_failed', again);
        throw databaseUnavailable(again);
      }
    }
  }

  private discard(error: unknown): void {
    // release(error) destroys the client instead of returning it to the pool.
    this.letGo(error instanceof Error ? error : true);
  }

  /** Kysely passes true when it gave up on the connection (a failed rollback): it is destroyed then. */
  release(destroy?: boolean): void {
    this.letGo(destroy === true ? true : undefined);
  }

  private letGo(destroy?: Error | true): void {
    if (!this.client) return;
    this.checkedOut.delete(this.client);
    this.client.release(destroy);
    this.client = null;
  }
}

/** A refused or timed-out connection (the server is down or overloaded) becomes "try again". */
async function connectOrExplain(pool: pg.Pool, events: ConnectionEvents): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    events.record('connect_failed', error);
    throw databaseUnavailable(error);
  }
}
