// A cache of the session lookup (every request of every app behind Twofold asks it) that
// can never answer for a session ended anywhere: SQLite only, and only while SQLite proves
// that nothing the lookup reads has changed since the answer was kept.
//
// The proof has two halves:
// - another connection's commit (another node or process on the same file, the CLI, a
//   restore) changes `PRAGMA data_version` on ours, read before every cached answer;
// - our own connection's writes do not change it, so every statement run on it is looked
//   at once (by its SQL text) and any that may change what the lookup reads moves a
//   counter before it runs (store/db.ts). A statement not understood counts as a change: a mistake there costs
//   speed, never a revoked session answered.
// PostgreSQL gets no cache: nothing cheaper than the lookup itself proves a row unchanged
// on another node, and a notification can arrive after the next request.

/** The tables the session lookup joins (src/store/sessions.ts, buildSessionLookup). */
const LOOKUP_TABLES = new Set(['sessions', 'users', 'organizations', 'two_factor']);

/**
 * Columns of those tables the lookup never reads: an UPDATE that names nothing else (in
 * its SET or its WHERE) cannot change its answer. These are the writes of every sign-in
 * (last sign-in time, the wrong-code count and pause, the TOTP step claimed); without
 * this list each sign-in would empty the cache for everyone.
 */
export const COLUMNS_THE_LOOKUP_NEVER_READS: Readonly<Record<string, ReadonlySet<string>>> = {
  users: new Set(['last_sign_in_at', 'code_failures', 'code_locked_until']),
  two_factor: new Set(['last_used_step']),
};

/** The one row such an update names: its key, only as the first condition (never set). */
const WHERE_KEY: Readonly<Record<string, string>> = { users: ' where "id" = ?', two_factor: ' where "user_id" = ?' };

const WRITE_TARGET = /^\s*(insert\s+into|update|delete\s+from)\s+"(\w+)"/i;
const READ_ONLY = /^\s*(select|pragma\s+\w+\s*$)/i;

/** Whether running `sql` may change the answer of a session lookup (when unsure: yes). */
export function mayChangeSessionLookup(sql: string): boolean {
  if (READ_ONLY.test(sql) && !/\b(insert|update|delete|replace)\b/i.test(sql)) return false;
  if (/^\s*(begin|commit|savepoint|release)\b/i.test(sql)) return false;
  const target = WRITE_TARGET.exec(sql);
  if (!target) return true;
  const [, verb, table] = target;
  if (!LOOKUP_TABLES.has(table!)) return false;
  // A new session cannot change what another session's lookup found (a miss is never kept).
  if (table === 'sessions' && /^insert/i.test(verb!) && !/\bon\s+conflict\b|\bor\s+replace\b/i.test(sql)) return false;
  const harmless = COLUMNS_THE_LOOKUP_NEVER_READS[table!];
  if (!harmless || !/^update/i.test(verb!)) return true;
  // Every identifier but the table and its key condition must be harmless: a column set
  // anywhere in the statement (a subquery included) is among them.
  const keyCondition = WHERE_KEY[table!]!;
  const keyAt = sql.indexOf(keyCondition);
  if (keyAt === -1 || keyAt !== sql.indexOf(' where ')) return true;
  const named = [...sql.replace(keyCondition, ' ').matchAll(/"(\w+)"/g)].map((match) => match[1]!).filter((name) => name !== table);
  return !named.every((name) => harmless.has(name));
}

/**
 * `version`: a value that differs after any change the lookup could see, or null when there
 * is no proof now (a transaction is open). Read it before the lookup runs and give the same
 * value to `get` and `keep`: a change made during the lookup then leaves the entry stale.
 */
export class SessionLookupCache<Row> {
  private readonly rows = new Map<string, { row: Row; version: string }>();

  constructor(
    readonly version: () => string | null,
    private readonly maxEntries = 10_000,
  ) {}

  get(sessionId: string, version: string | null): Row | undefined {
    if (version === null) return undefined;
    const kept = this.rows.get(sessionId);
    if (!kept) return undefined;
    if (kept.version === version) return kept.row;
    this.rows.delete(sessionId);
    return undefined;
  }

  keep(sessionId: string, row: Row, version: string | null): void {
    if (version === null) return;
    if (this.rows.size >= this.maxEntries) this.rows.clear();
    this.rows.set(sessionId, { row, version });
  }
}

const caches = new WeakMap<object, SessionLookupCache<never>>();

/** Called by openStore for a SQLite database; a transaction's `db` has none, so it reads through. */
export function attachSessionLookupCache(db: object, version: () => string | null): void {
  caches.set(db, new SessionLookupCache<never>(version));
}

export function sessionLookupCacheOf<Row>(db: object): SessionLookupCache<Row> | undefined {
  return caches.get(db) as SessionLookupCache<Row> | undefined;
}
