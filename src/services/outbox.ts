// The development outbox: what the outbox providers kept instead of sending.
import { type OutboxMessageRow, listOutboxMessages } from '../store/outbox.js';
import type { ServiceContext } from './context.js';

export type { OutboxMessageRow };

export function listOutbox(ctx: ServiceContext, limit: number): Promise<OutboxMessageRow[]> {
  return listOutboxMessages(ctx.db, limit);
}
