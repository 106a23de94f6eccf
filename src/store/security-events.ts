import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, SecurityEventsTable } from './schema.js';

type Db = Kysely<Database>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;

export type SecurityEventType =
  | 'signed_in'
  | 'password_failed'
  | 'code_failed'
  | 'code_replayed'
  | 'code_step_locked'
  | 'signed_out'
  | 'password_changed'
  | 'two_factor_enabled'
  | 'two_factor_removed'
  | 'account_created'
  | 'device_remembered'
  | 'sms_code_sent'
  | 'mobile_changed'
  | 'signed_in_lost_device'
  | 'last_four_failed'
  | 'device_forgotten'
  | 'remembered_device_refused'
  | 'organization_created';

export interface NewSecurityEvent {
  type: SecurityEventType;
  userId: string | null;
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: string | null;
  atMs: number;
}

/** The log is append-only: this module has no update and no delete. */
export async function appendSecurityEvent(db: Db, event: NewSecurityEvent): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      id: randomUUID(),
      type: event.type,
      user_id: event.userId,
      actor_id: event.actorId ?? event.userId,
      ip: event.ip ?? null,
      user_agent: event.userAgent ?? null,
      detail: event.detail ?? null,
      created_at: event.atMs,
    })
    .execute();
}

export function listSecurityEventsForUser(db: Db, userId: string, limit: number): Promise<SecurityEventRow[]> {
  return db.selectFrom('security_events').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
