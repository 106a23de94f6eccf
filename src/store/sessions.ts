import type { Role } from '../domain/accounts.js';
import type { Kysely, Selectable } from 'kysely';
import { deleteOidcPayloadsOfAccount } from './oidc-payloads.js';
import type { Database, SessionsTable } from './schema.js';
import { sessionLookupCacheOf } from './session-lookup-cache.js';
import { prepared } from './prepared.js';

type Db = Kysely<Database>;
export type SessionRow = Selectable<SessionsTable>;

const insertSessionRow = prepared((db, id: string, userId: string, createdAt: number, lastSeenAt: number, ip: string, userAgent: string, amr: string) =>
  db.insertInto('sessions').values({ id, user_id: userId, created_at: createdAt, last_seen_at: lastSeenAt, ip, user_agent: userAgent, amr }),
);

export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await insertSessionRow(db, session.id, session.user_id, session.created_at, session.last_seen_at, session.ip, session.user_agent, session.amr);
}

export function findSession(db: Db, sessionId: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
}

export async function touchSession(db: Db, sessionId: string, atMs: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: atMs }).where('id', '=', sessionId).execute();
}

/** Ends one session; true only for the caller that deleted it (so one event tells of it). */
export async function deleteSession(db: Db, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', sessionId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Every session of the person, and with them every app's sign-in, grant and token. */
export async function deleteAllUserSessions(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await deleteOidcPayloadsOfAccount(db, userId);
}

/**
 * Ends every way the person is or could be signed in: sessions, half-way sign-ins and
 * remembered devices. After a password reset or an admin's 2FA reset, nothing issued
 * before it may still work.
 */
export async function deleteEverySignInOf(db: Db, userId: string): Promise<void> {
  await deleteAllUserSessions(db, userId);
  await db.deleteFrom('sign_in_attempts').where('user_id', '=', userId).execute();
  await db.deleteFrom('remembered_devices').where('user_id', '=', userId).execute();
}

export async function deleteSessionsIdleSince(db: Db, lastSeenBeforeMs: number, createdBeforeMs: number): Promise<void> {
  await db.deleteFrom('sessions').where((eb) => eb.or([eb('last_seen_at', '<', lastSeenBeforeMs), eb('created_at', '<', createdBeforeMs)])).execute();
}

export interface SessionLookupRow {
  session_id: string;
  created_at: number;
  last_seen_at: number;
  amr: string;
  user_id: string;
  email: string;
  name: string;
  role: Role;
  org_id: string;
  /** the organisation's aggregator: its parent, or null when it is one */
  org_parent_id: string | null;
  has_factor: string | null;
  org_requires: number;
  aggregator_requires: number | null;
}

function buildSessionLookup(db: Db, sessionId: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('organizations as org', 'org.id', 'users.org_id')
    .leftJoin('organizations as agg', 'agg.id', 'org.parent_id')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .select([
      'sessions.id as session_id',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.amr',
      'users.id as user_id',
      'users.email',
      'users.name',
      'users.role',
      'users.org_id',
      'org.parent_id as org_parent_id',
      'two_factor.user_id as has_factor',
      'org.require_two_factor as org_requires',
      'agg.require_two_factor as aggregator_requires',
    ])
    .where('sessions.id', '=', sessionId)
    // A deactivation deletes the person's sessions, but a sign-in that checked the person
    // just before it committed may still write one (on this node or another): the check
    // of every request refuses it here, in the same query, at no extra cost.
    .where('users.deactivated_at', 'is', null);
}

/** The lookup's SQL text, for the test that holds the cache's list of columns it never reads. */
export function sessionLookupSql(db: Db): string {
  return buildSessionLookup(db, 'placeholder').compile().sql;
}

const selectSessionForRequest = prepared((db, sessionId: string) => buildSessionLookup(db, sessionId));

/**
 * Everything a request needs to know about its session, in one query: the hottest path
 * in Twofold (every request of every app behind it), built and compiled once. On SQLite
 * it is answered from memory while SQLite proves nothing it read has changed (see
 * session-lookup-cache.ts); PostgreSQL and transactions always read.
 */
export async function lookUpSessionForRequest(db: Db, sessionId: string): Promise<SessionLookupRow | undefined> {
  const cache = sessionLookupCacheOf<SessionLookupRow>(db);
  const version = cache?.version() ?? null;
  const kept = cache?.get(sessionId, version);
  if (kept) return kept;
  const row = (await selectSessionForRequest(db, sessionId)).rows[0] as SessionLookupRow | undefined;
  // Only a session found is kept: an unknown token always asks the database.
  if (row && cache) cache.keep(sessionId, row, version);
  return row;
}

/** The person's sessions still inside both time limits, most recently active first. */
export function listLiveSessionsOf(db: Db, userId: string, lastSeenAfterMs: number, createdAfterMs: number): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', lastSeenAfterMs)
    .where('created_at', '>=', createdAfterMs)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

/** Ends one of the person's own sessions (never another person's); true when it was there. */
export async function deleteSessionOf(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** "Sign out everywhere else": every session of the person but `keepSessionId`; how many ended. */
export async function deleteOtherSessionsOf(db: Db, userId: string, keepSessionId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '<>', keepSessionId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
