// Opens the database DATABASE_URL names, SQLite or PostgreSQL, behind one Kysely type.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import * as initial from './migrations/001-initial.js';
import * as rememberedDevices from './migrations/002-remembered-devices.js';
import * as sms from './migrations/003-sms.js';
import * as aggregators from './migrations/004-aggregators.js';
import * as email from './migrations/005-email.js';
import * as enrollmentSession from './migrations/006-enrollment-session.js';
import * as recoveryCodes from './migrations/007-recovery-codes.js';
import * as passkeys from './migrations/008-passkeys.js';
import * as oidc from './migrations/009-oidc.js';
import * as knownBrowsers from './migrations/010-known-browsers.js';
import * as overview from './migrations/011-overview.js';
import * as deactivation from './migrations/012-deactivation.js';
import * as serverKeys from './migrations/013-server-keys.js';
import { type ConnectionEvent, type ConnectionEvents, connectionEvents, resilientPool } from './pg-connections.js';
import type { Database } from './schema.js';
import { attachSessionLookupCache, mayChangeSessionLookup } from './session-lookup-cache.js';
import { TwofoldError } from '../errors.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** the PostgreSQL pool, for the metrics */
  pgPool?: pg.Pool;
  /** lost PostgreSQL connections and what became of the statements on them (always zero on SQLite) */
  connectionEvents: ConnectionEvents;
  close(): Promise<void>;
}

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-initial': initial,
  '002-remembered-devices': rememberedDevices,
  '003-sms': sms,
  '004-aggregators': aggregators,
  '005-email': email,
  '006-enrollment-session': enrollmentSession,
  '007-recovery-codes': recoveryCodes,
  '008-passkeys': passkeys,
  '009-oidc': oidc,
  '010-known-browsers': knownBrowsers,
  '011-overview': overview,
  '012-deactivation': deactivation,
  '013-server-keys': serverKeys,
};

/** The migrations this build knows, in order: a database (or a backup) with any other was made by another version. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

// int8 (bigint) comes back from pg as a string to protect precision; our bigints are
// epoch milliseconds and TOTP steps, far inside Number's safe range.
const PG_INT8_OID = 20;
pg.types.setTypeParser(PG_INT8_OID, (value) => Number(value));

export function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', target: url };
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', target: url.slice('sqlite:'.length) };
  throw new TypeError('DATABASE_URL must start with sqlite: or postgres://');
}

const STATEMENT_CACHE_SIZE = 512;

/**
 * Kysely prepares every SQLite statement anew; preparing cost more than running the
 * session lookup itself (a profile of GET /api/session showed it as the largest item).
 * Our queries are a fixed set of shapes, so each SQL text is prepared once and reused.
 */
function withStatementCache(sqlite: SQLite.Database, onLookupChange: () => void): SqliteDatabase {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      if (ROLLBACK.test(sql)) return rollbackIfStillOpen(sqlite);
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = withDiskFaultsExplained(explainDiskFault(() => sqlite.prepare(sql)), mayChangeSessionLookup(sql) ? onLookupChange : undefined);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

const ROLLBACK = /^\s*rollback\s*$/i;

/**
 * SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error);
 * Kysely's ROLLBACK then fails with "no transaction is active", and that error replaced
 * the real one (a 500 instead of "try again"). Rolling back what is already rolled back
 * is nothing to do.
 */
function rollbackIfStillOpen(sqlite: SQLite.Database): ReturnType<SqliteDatabase['prepare']> {
  const run = () => (sqlite.inTransaction ? sqlite.prepare('rollback').run() : { changes: 0, lastInsertRowid: 0 });
  return { reader: false, all: () => [], run, iterate: () => [][Symbol.iterator]() } as unknown as ReturnType<SqliteDatabase['prepare']>;
}

/**
 * A full disk, a file system turned read-only, an I/O error: the database is there but
 * cannot take the change now. The person gets the errors table's "try again" (503), as
 * for a PostgreSQL that is down, instead of a 500; the process stays up, and the next
 * request after room is made (or the disk is writable) works. SQLite rolls back what
 * failed: nothing is half-written.
 */
const SQLITE_DISK_FAULT = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

function explainDiskFault<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && SQLITE_DISK_FAULT.test(code)) throw new TwofoldError('database_unavailable', {}, { cause: error });
    throw error;
  }
}

/**
 * `onRun`: told before the statement runs (the session lookup cache's own-writes half).
 * Before, not after: a lookup that starts while this write's transaction is open must not
 * keep what it reads under the old version.
 */
function withDiskFaultsExplained(statement: SQLite.Statement, onRun?: () => void): ReturnType<SqliteDatabase['prepare']> {
  return {
    reader: statement.reader,
    all: (parameters: ReadonlyArray<unknown>) => (onRun?.(), explainDiskFault(() => statement.all(parameters))),
    run: (parameters: ReadonlyArray<unknown>) => (onRun?.(), explainDiskFault(() => statement.run(parameters))),
    iterate: (parameters: ReadonlyArray<unknown>) => (onRun?.(), explainDiskFault(() => statement.iterate(parameters))),
  } as ReturnType<SqliteDatabase['prepare']>;
}

/** Connections per process; several nodes each bring their own. */
const PG_POOL_SIZE = 10;

export interface StoreOptions {
  /** told of every lost connection (code and message only, never the statement's values) */
  onConnectionEvent?: (event: ConnectionEvent, details: { code?: string; message: string }) => void;
}

/** How long a request may wait for a connection before it is told to try again. */
const PG_CONNECT_TIMEOUT_IN_MS = 5_000;

export function openStore(url: string, options: StoreOptions = {}): Store {
  const events = connectionEvents(options.onConnectionEvent);
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    const sqlite = new SQLite(target);
    // WAL lets readers run during a write; busy_timeout makes a second process wait
    // for the write lock instead of failing at once.
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints, not at every commit: the database cannot be
    // corrupted, and only a power cut (not a crash of Twofold) can lose the last commits.
    // FULL costs an fsync per statement, which capped the code step at ~1,000 a second.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    // 64 MiB of page cache (the default is 2 MiB): the indexes of a busy sign-in service stay in memory.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('foreign_keys = ON');
    let ownChanges = 0;
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, () => (ownChanges += 1)) }) });
    const dataVersion = sqlite.prepare('pragma data_version').pluck();
    // Inside an open transaction the connection may hold uncommitted writes: no proof then.
    attachSessionLookupCache(db, () => (sqlite.open && !sqlite.inTransaction ? `${dataVersion.get() as number}:${ownChanges}` : null));
    // Kysely closes the database only if a query ever ran (it sets the driver up lazily):
    // a store closed unused would keep the file open, which a restore rightly refuses.
    const close = async () => {
      await db.destroy();
      if (sqlite.open) sqlite.close();
    };
    return { db, dialect, connectionEvents: events, close };
  }
  // keepAlive notices a peer that vanished without closing (a failover, a cut cable).
  const pool = new pg.Pool({ connectionString: target, max: PG_POOL_SIZE, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_IN_MS, keepAlive: true });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: resilientPool(pool, events) }) });
  // pool.end() resolves once it has asked each connection to end, not once they have:
  // whoever drops the database right after (the tests do) must not find one still open.
  const openClients = new Set<pg.Client>();
  pool.on('connect', (client) => {
    openClients.add(client);
    client.once('end', () => openClients.delete(client));
  });
  const close = async () => {
    const closing = [...openClients].map((client) => new Promise((resolve) => client.once('end', resolve)));
    await db.destroy();
    // Bounded: a connection that never says goodbye must not hold up a shutdown.
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, PG_CONNECT_TIMEOUT_IN_MS).unref())]);
  };
  return { db, dialect, pgPool: pool, connectionEvents: events, close };
}

export async function migrateToLatest(store: Pick<Store, 'db'>): Promise<void> {
  // One Twofold per database: Kysely finds its bookkeeping tables by introspecting
  // every schema, so two installations must not share a PostgreSQL database.
  const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
