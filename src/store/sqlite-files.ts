// Whole SQLite files, for backups and restores: better-sqlite3 directly, since these work
// on files (a copy, a check, a swap) rather than through a running store.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { MIGRATION_NAMES } from './db.js';

/** The tables a backup's summary counts: enough to see at a glance that it holds what it should. */
export const SUMMARY_TABLES = ['organizations', 'users', 'two_factor', 'passkeys', 'recovery_codes', 'oidc_clients', 'security_events'] as const;
export type SummaryCounts = Record<(typeof SUMMARY_TABLES)[number], number>;

/**
 * A consistent copy of a live database into `destination` (which must not exist), through
 * SQLite's online backup API: it copies pages while the server goes on reading and
 * writing, and restarts the copy when a write lands in between, so the result is the
 * database at one moment. A plain file copy of a WAL database can catch the main file and
 * its -wal at different moments, or miss the -wal entirely.
 */
export async function copyLiveDatabase(source: string, destination: string): Promise<void> {
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(destination);
  } finally {
    db.close();
  }
  // The copy keeps the source's WAL flag; a backup is one self-contained file.
  makeSelfContained(destination);
}

/** Folds any WAL into the main file and leaves it in rollback-journal mode: the one file is the whole database. */
export function makeSelfContained(path: string): void {
  const db = new SQLite(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

export type SqliteFileCheck =
  | { kind: 'not_sqlite'; detail: string }
  | { kind: 'damaged'; detail: string }
  | { kind: 'not_twofold' }
  | { kind: 'too_new'; unknownMigration: string }
  | { kind: 'ok'; migrations: string[]; counts: SummaryCounts; bytes: number };

/** What a file is: a Twofold database this build can use (and what it holds), or why not. Opens it read-only. */
export function checkSqliteFile(path: string): SqliteFileCheck {
  let db: SQLite.Database;
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { kind: 'not_sqlite', detail: (error as Error).message };
  }
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    } catch (error) {
      // SQLITE_NOTADB: not a database at all (a text file, an encrypted copy, a pg_dump).
      const code = (error as { code?: string }).code;
      return code === 'SQLITE_NOTADB' ? { kind: 'not_sqlite', detail: (error as Error).message } : { kind: 'damaged', detail: (error as Error).message };
    }
    if (integrity.length !== 1 || integrity[0] !== 'ok') return { kind: 'damaged', detail: integrity.slice(0, 3).join('; ') };
    const hasTable = (name: string) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
    if (!hasTable('kysely_migration') || !hasTable('users')) return { kind: 'not_twofold' };
    const migrations = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((row) => row.name);
    if (migrations.length === 0 || migrations[0] !== MIGRATION_NAMES[0]) return { kind: 'not_twofold' };
    const unknownMigration = migrations.find((name) => !MIGRATION_NAMES.includes(name));
    if (unknownMigration !== undefined) return { kind: 'too_new', unknownMigration };
    const counts = {} as SummaryCounts;
    // Table names from the fixed list above, never from input.
    for (const table of SUMMARY_TABLES) counts[table] = hasTable(table) ? (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n : 0;
    return { kind: 'ok', migrations, counts, bytes: statSync(path).size };
  } finally {
    db.close();
  }
}

/** The database, held so that nothing else can open it, until `release`. */
export interface ExclusiveHold {
  release(): void;
}

/**
 * Takes the database for this process alone, or returns null when any other connection
 * has it open: a running server (even idle, between requests), another node on the same
 * file, a CLI command. In WAL mode every open connection keeps a shared lock that
 * exclusive locking mode cannot get past, and the operating system drops that lock when
 * its process ends, however it ends, so a server killed with SIGKILL leaves nothing
 * behind to clear. (`BEGIN EXCLUSIVE` alone is not enough: it succeeds while an idle
 * server has the file open.) While held, a server that starts waits, then fails to start.
 *
 * The file is left in rollback-journal mode, its WAL folded in: the main file alone is the
 * whole database, so it can be renamed without a -wal beside it. A server opening it
 * turns WAL back on.
 */
export function holdExclusively(path: string): ExclusiveHold | null {
  const db = new SQLite(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.prepare('select count(*) from sqlite_master').get();
    // Leaving WAL needs every other connection gone, which is the proof; it also folds the WAL in.
    const mode = db.pragma('journal_mode = DELETE', { simple: true }) as string;
    if (mode !== 'delete') throw Object.assign(new Error(`journal mode stayed ${mode}`), { code: 'SQLITE_BUSY' });
    // A write transaction keeps the exclusive lock until release (locking_mode = EXCLUSIVE holds it after).
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY' || (error as { code?: string }).code === 'SQLITE_LOCKED') return null;
    throw error;
  }
  return { release: () => db.close() };
}

/**
 * Puts `prepared` (a checked, migrated database file) where `live` is, keeping the old one
 * as `keepAs`. The caller holds `live` exclusively (holdExclusively), so it is one
 * self-contained file; stale -wal and -shm files beside it belong to no one and go.
 */
export function swapDatabaseFiles(live: string, prepared: string, keepAs: string | null): void {
  if (keepAs !== null && existsSync(live)) renameSync(live, keepAs);
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(live + suffix, { force: true });
  renameSync(prepared, live);
}
