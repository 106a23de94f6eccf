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
