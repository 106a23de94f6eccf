// What the outbox providers keep instead of sending (texts and emails), newest first.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OutboxMessagesTable } from './schema.js';

type Db = Kysely<Database>;
export type OutboxMessageRow = Selectable<OutboxMessagesTable>;

export function listOutboxMessages(db: Db, limit: number): Promise<OutboxMessageRow[]> {
  return db.selectFrom('outbox_messages').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export function latestOutboxMessageTo(db: Db, recipient: string): Promise<OutboxMessageRow | undefined> {
  return db.selectFrom('outbox_messages').selectAll().where('recipient', '=', recipient).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/**
 * Sorts by time, then by order of sending within this process (the monotonic clock, so
 * "newest first" is exact even when a test's clock stands still), then at random.
 */
function outboxMessageId(nowMs: number): string {
  return `${String(nowMs).padStart(15, '0')}-${process.hrtime.bigint().toString().padStart(20, '0')}-${randomUUID().slice(0, 8)}`;
}

export async function insertOutboxMessage(db: Db, message: Omit<OutboxMessageRow, 'id'>): Promise<string> {
  const id = outboxMessageId(message.created_at);
  await db.insertInto('outbox_messages').values({ id, ...message }).execute();
  return id;
}
