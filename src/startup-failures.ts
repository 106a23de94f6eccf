// Why the server could not start, in one line that names the setting to change: an
// operator reads this on a console, not a stack trace.
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from './config.js';
import { TwofoldError } from './errors.js';

/** A start-up failure already explained in words. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Start-up gives up after this long instead of hanging on an unreachable database. */
export const STARTUP_DEADLINE_IN_MS = 15_000;

/**
 * DATA_DIR must be a folder Twofold may write to, when it is used at all (the SQLite
 * database, or the generated master key). Checked before anything opens files in it.
 */
export function checkDataDir(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'secret'>): void {
  const usesDataDir = config.secret === undefined || config.databaseUrl.startsWith(`sqlite:${config.dataDir}`);
  if (!usesDataDir) return;
  const dir = config.dataDir;
  const fix = 'Set DATA_DIR to a folder Twofold may write to (the default is ./data).';
  try {
    makeFolder(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new StartupError(`DATA_DIR=${dir} is a file, not a folder. ${fix}`);
    throw new StartupError(`DATA_DIR=${dir} cannot be created (${reasonOf(code)}). ${fix}`);
  }
  if (!statSync(dir).isDirectory()) throw new StartupError(`DATA_DIR=${dir} is a file, not a folder. ${fix}`);
  // access() says yes to root on a read-only mount: only a real write answers.
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    accessSync(dir, constants.W_OK);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    throw new StartupError(`DATA_DIR=${dir} is not writable (${reasonOf((error as NodeJS.ErrnoException).code)}). ${fix}`);
  }
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir spins for ever where a level
 * cannot be made (seen under /proc), which left start-up silent until a timeout.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  mkdirSync(dir);
}

function reasonOf(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'a read-only file system';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENOENT':
      return 'the file system there does not take new folders';
    default:
      return code ?? 'unknown reason';
  }
}

/** Waits for `work`, or fails with `message` after `ms`. */
export async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartupError(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where DATABASE_URL points, without its password. */
export function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return `the SQLite file ${url.slice('sqlite:'.length)}`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the database in DATABASE_URL';
  }
}

/** One line for a failure we know, or null (the caller then says what it can). */
export function explainStartupFailure(error: unknown, config: Pick<Config, 'port' | 'host' | 'databaseUrl'>): string | null {
  if (error instanceof StartupError) return error.message;
  // The database is sealed with another master secret (the old one, after a rotation): the message says what to do.
  if (error instanceof TwofoldError && error.code === 'secret_mismatch') return error.message;
  // The store reports a lost connection as database_unavailable, with the cause inside.
  const e = (error instanceof TwofoldError && error.cause ? error.cause : error) as NodeJS.ErrnoException & { hostname?: string };
  const database = describeDatabase(config.databaseUrl);
  const publicHint = 'Use HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every network).';
  if (e?.syscall === 'listen' && e.code === 'EADDRINUSE') return `port ${config.port} on ${config.host} is already in use by another program. Stop it, or set PORT to a free port (for example PORT=${config.port + 1}).`;
  if (e?.syscall === 'listen' && (e.code === 'EACCES' || e.code === 'EPERM')) return `this user may not listen on port ${config.port} (ports below 1024 need privileges). Set PORT to 1024 or above and put a reverse proxy in front.`;
  if (e?.syscall === 'listen' && e.code === 'EADDRNOTAVAIL') return `HOST=${config.host} is not an address of this machine. ${publicHint}`;
  if (e?.syscall === 'getaddrinfo' && e.hostname === config.host) return `HOST=${config.host} is not a name this machine can resolve. ${publicHint}`;
  if (e?.code === 'ECONNREFUSED') return `${database} refused the connection. Is PostgreSQL running there? Check DATABASE_URL.`;
  if (e?.syscall === 'getaddrinfo') return `the host of DATABASE_URL (${e.hostname ?? '?'}) cannot be resolved. Check DATABASE_URL.`;
  if (e?.code === '28P01' || e?.code === '28000') return `${database} refused the user or password in DATABASE_URL.`;
  if (e?.code === '3D000') return `${database} does not exist. Create it (createdb) or fix DATABASE_URL.`;
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_')) {
    if (e.code === 'SQLITE_NOTADB') return `${database} is not a SQLite database. Point DATABASE_URL (or DATA_DIR) somewhere else.`;
    if (e.code === 'SQLITE_READONLY') return `${database} is read-only. Twofold must be able to write it.`;
    if (e.code === 'SQLITE_FULL') return `the disk holding ${database} is full.`;
    if (e.code === 'SQLITE_CANTOPEN') return `${database} cannot be opened. Check DATA_DIR or DATABASE_URL and the folder's permissions.`;
    return `${database} failed: ${e.message}`;
  }
  if (e instanceof Error && /timeout/i.test(e.message)) return `${database} did not answer in time. Is it reachable? Check DATABASE_URL.`;
  return null;
}
