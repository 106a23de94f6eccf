import type { Kysely, Selectable } from 'kysely';
import { timeOrderedId } from './ids.js';
import type { SecurityEventType } from '../domain/activity.js';
import type { Database, SecurityEventsTable } from './schema.js';
import { prepared } from './prepared.js';

type Db = Kysely<Database>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;

export type { SecurityEventType };

export interface NewSecurityEvent {
  type: SecurityEventType;
  userId: string | null;
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: string | null;
  atMs: number;
}

/** The log is append-only for the app: no update, and no delete but retention by age. */
export async function appendSecurityEvent(db: Db, event: NewSecurityEvent): Promise<void> {
  await insertEvent(
    db,
    timeOrderedId(event.atMs),
    event.type,
    event.userId,
    // No actor given: the person acted themselves. An explicit null: the operator, from the CLI.
    event.actorId === undefined ? event.userId : event.actorId,
    event.ip ?? null,
    event.userAgent ?? null,
    event.detail ?? null,
    event.atMs,
  );
}

const insertEvent = prepared((db, id: string, type: SecurityEventType, userId: string | null, actorId: string | null, ip: string | null, userAgent: string | null, detail: string | null, atMs: number) =>
  db.insertInto('security_events').values({ id, type, user_id: userId, actor_id: actorId, ip, user_agent: userAgent, detail, created_at: atMs }),
);

/** Newest first; `before` is the cursor of the last row of the previous page. */
export function listSecurityEventsForUser(db: Db, userId: string, limit: number, before?: { createdAtMs: number; id: string }): Promise<SecurityEventRow[]> {
  let query = db.selectFrom('security_events').selectAll().where('user_id', '=', userId);
  if (before) {
    query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAtMs), eb.and([eb('created_at', '=', before.createdAtMs), eb('id', '<', before.id)])]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** One user's events in [fromMs, toMs), oldest first, in pages: the export streams them. */
export function listSecurityEventsInRange(db: Db, userId: string, fromMs: number, toMs: number, limit: number, after?: { createdAtMs: number; id: string }): Promise<SecurityEventRow[]> {
  let query = db.selectFrom('security_events').selectAll().where('user_id', '=', userId).where('created_at', '>=', fromMs).where('created_at', '<', toMs);
  if (after) {
    query = query.where((eb) => eb.or([eb('created_at', '>', after.createdAtMs), eb.and([eb('created_at', '=', after.createdAtMs), eb('id', '>', after.id)])]));
  }
  return query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).execute();
}

/** Retention: the only deletion the log knows, by age, run by housekeeping. */
export async function deleteSecurityEventsOlderThan(db: Db, cutoffMs: number): Promise<void> {
  await db.deleteFrom('security_events').where('created_at', '<', cutoffMs).execute();
}
