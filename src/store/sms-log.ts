import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, SmsLogTable } from './schema.js';

type Db = Kysely<Database>;
export type SmsLogRow = Selectable<SmsLogTable>;

/** Every SMS sent, failed or refused, with who, when and why; never the code. */
export async function appendSmsLog(db: Db, entry: Omit<SmsLogRow, 'id'>): Promise<void> {
  await db.insertInto('sms_log').values({ id: randomUUID(), ...entry }).execute();
}

export function listSmsLogForUser(db: Db, userId: string): Promise<SmsLogRow[]> {
  return db.selectFrom('sms_log').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}
