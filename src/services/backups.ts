// Backing up and restoring a SQLite database, as the operator does from the command line.
// (PostgreSQL has its own tools, pg_dump and pg_restore: the README gives the commands.)
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TwofoldError } from '../errors.js';
import { MIGRATION_NAMES, migrateToLatest, openStore, parseDatabaseUrl } from '../store/db.js';
import { type SummaryCounts, checkSqliteFile, copyLiveDatabase, holdExclusively, makeSelfContained, swapDatabaseFiles } from '../store/sqlite-files.js';

export interface BackupSummary {
  path: string;
  bytes: number;
  counts: SummaryCounts;
}

function sqlitePathOf(databaseUrl: string): string {
  const { dialect, target } = parseDatabaseUrl(databaseUrl);
  if (dialect !== 'sqlite') throw new TwofoldError('backup_needs_sqlite');
  return resolve(target);
}

const samePath = (a: string, b: string) => existsSync(a) && existsSync(b) && realpathSync(a) === realpathSync(b);

/** A unique name beside `path`, for a file being written: a half-written one never carries the final name. */
const partialNameFor = (path: string) => `${path}.partial-${process.pid}-${Date.now()}`;

/**
 * `twofold backup <file>`: a consistent copy of the live database, while the server runs.
 * Written under a temporary name and renamed when complete and checked, so `file` is
 * either a whole backup or absent (a full disk or a crash midway leaves no half backup).
 */
export async function backUpDatabase(databaseUrl: string, file: string, options: { force?: boolean } = {}): Promise<BackupSummary> {
  const source = sqlitePathOf(databaseUrl);
  const target = resolve(file);
  if (!existsSync(source)) throw new TwofoldError('backup_source_missing', { path: source });
  if (samePath(source, target)) throw new TwofoldError('backup_is_the_database', { path: target });
  if (existsSync(target) && !options.force) throw new TwofoldError('backup_target_exists', { path: target });
  mkdirSync(dirname(target), { recursive: true });
  const partial = partialNameFor(target);
  try {
    await copyLiveDatabase(source, partial);
    const check = checkSqliteFile(partial);
    if (check.kind !== 'ok') throw new TwofoldError('backup_damaged', { path: target, detail: `the copy did not check out: ${check.kind}` });
    renameSync(partial, target);
    return { path: target, bytes: check.bytes, counts: check.counts };
  } finally {
    rmSync(partial, { force: true });
  }
}

export interface RestoreSummary {
  /** where the database that was replaced now is; null when there was none */
  keptAs: string | null;
  /** migrations the backup was at, and this build's latest (the restored copy is migrated to it) */
  backupLevel: string;
  currentLevel: string;
  counts: SummaryCounts;
}

/** Checks `path` is a Twofold database this build knows, or says exactly why not. */
function requireUsableBackup(path: string): Extract<ReturnType<typeof checkSqliteFile>, { kind: 'ok' }> {
  const check = checkSqliteFile(path);
  switch (check.kind) {
    case 'ok':
      return check;
    case 'not_sqlite':
      throw new TwofoldError('backup_not_sqlite', { path, detail: check.detail });
    case 'damaged':
      throw new TwofoldError('backup_damaged', { path, detail: check.detail });
    case 'not_twofold':
      throw new TwofoldError('backup_not_twofold', { path });
    case 'too_new':
      throw new TwofoldError('backup_too_new', { path, migration: check.unknownMigration });
  }
}

/**
 * For what must not run beside a server (rotating the master secret): on SQLite, refuses
 * while anything has the database open. PostgreSQL cannot tell an idle node (its pool may
 * hold no connection) from none, so there the caller relies on its other guards.
 */
export function requireNoServerOnSqlite(databaseUrl: string): void {
  const { dialect, target } = parseDatabaseUrl(databaseUrl);
  if (dialect !== 'sqlite' || !existsSync(target)) return;
  const hold = holdExclusively(resolve(target));
  if (hold === null) throw new TwofoldError('database_in_use', { path: resolve(target) });
  hold.release();
}

/** `2026-12-01T10-22-33Z`: sorts by time, and has no colon (which some file systems and tools refuse). */
const fileStamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');

/**
 * `twofold restore <file>`: puts a backup back in place of the database, which no server
 * may have open. The backup is checked (a Twofold database, at a level this build knows,
 * SQLite's integrity check ok) and copied and migrated beside the database first, so a
 * refusal or a failure at any step leaves the database as it was. Only then is the
 * database taken exclusively (refused if anything has it open) and the two swapped by
 * rename, the old one kept as `<db>.before-restore-<time>`.
 */
export async function restoreDatabase(databaseUrl: string, file: string, now: () => number = Date.now): Promise<RestoreSummary> {
  const live = sqlitePathOf(databaseUrl);
  const source = resolve(file);
  if (!existsSync(source)) throw new TwofoldError('backup_source_missing', { path: source });
  if (samePath(source, live)) throw new TwofoldError('backup_is_the_database', { path: source });
  const checked = requireUsableBackup(source);
  // Refuse early, before the copy: the operator learns at once that a server is running.
  if (existsSync(live)) {
    const early = holdExclusively(live);
    if (early === null) throw new TwofoldError('database_in_use', { path: live });
    early.release();
  }
  mkdirSync(dirname(live), { recursive: true });
  const prepared = partialNameFor(live);
  try {
    await copyLiveDatabase(source, prepared);
    const store = openStore(`sqlite:${prepared}`);
    try {
      await migrateToLatest(store);
    } finally {
      await store.close();
    }
    makeSelfContained(prepared);
    const restored = requireUsableBackup(prepared);
    // The swap itself: checked again under the hold, which lasts until the new file is in place.
    const hold = existsSync(live) ? holdExclusively(live) : null;
    if (existsSync(live) && hold === null) throw new TwofoldError('database_in_use', { path: live });
    try {
      const keptAs = existsSync(live) ? `${live}.before-restore-${fileStamp(now())}` : null;
      swapDatabaseFiles(live, prepared, keptAs);
      return { keptAs, backupLevel: checked.migrations.at(-1)!, currentLevel: MIGRATION_NAMES.at(-1)!, counts: restored.counts };
    } finally {
      hold?.release();
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(prepared + suffix, { force: true });
  }
}
