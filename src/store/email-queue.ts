import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { EmailContent } from '../domain/emails.js';
import type { Database, EmailQueueTable } from './schema.js';

type Db = Kysely<Database>;
export type EmailQueueRow = Selectable<EmailQueueTable>;

/** Queues a message; pass the transaction of the change it reports, so both or neither happen. */
export async function enqueueEmail(db: Db, args: { to: string; content: EmailContent; kind: string; nowMs: number }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('email_queue')
    .values({
      id,
      to_address: args.to,
      subject: args.content.subject,
      text_body: args.content.text,
      html_body: args.content.html,
      kind: args.kind,
      status: 'pending',
      next_attempt_at: args.nowMs,
      locked_until: null,
      last_error: null,
      created_at: args.nowMs,
      sent_at: null,
    })
    .execute();
  return id;
}

export function listDueEmailIds(db: Db, nowMs: number, limit: number): Promise<Array<{ id: string }>> {
  return db
    .selectFrom('email_queue')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', nowMs)]), eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', nowMs)])]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/**
 * Takes a due message for this worker, or returns undefined if another took it.
 * Race prevented: two workers (two nodes, or a restart overlapping the old process)
 * must not both send one message; the status change is the claim, in one UPDATE.
 */
export async function claimEmail(db: Db, id: string, nowMs: number, lockInMs: number): Promise<EmailQueueRow | undefined> {
  const result = await db
    .updateTable('email_queue')
    .set((eb) => ({ status: 'sending', locked_until: nowMs + lockInMs, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', nowMs)]), eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', nowMs)])]))
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) return undefined;
  return db.selectFrom('email_queue').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Gives a claimed message back at once (a worker shutting down mid-send): another worker
 * takes it now instead of after the lock. It may then be sent twice, never lost.
 */
export async function releaseEmailClaim(db: Db, id: string, nowMs: number): Promise<void> {
  await db.updateTable('email_queue').set({ status: 'pending', next_attempt_at: nowMs, locked_until: null }).where('id', '=', id).where('status', '=', 'sending').execute();
}

export async function markEmailSent(db: Db, id: string, nowMs: number): Promise<void> {
  await db.updateTable('email_queue').set({ status: 'sent', sent_at: nowMs, locked_until: null, last_error: null }).where('id', '=', id).execute();
}

export async function markEmailRetry(db: Db, id: string, nextAttemptAtMs: number, error: string): Promise<void> {
  await db.updateTable('email_queue').set({ status: 'pending', next_attempt_at: nextAttemptAtMs, locked_until: null, last_error: error }).where('id', '=', id).execute();
}

export async function markEmailFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('email_queue').set({ status: 'failed', locked_until: null, last_error: error }).where('id', '=', id).execute();
}

export async function countEmailsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('email_queue').select((eb) => ['status', eb.fn.countAll<number | string>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export function listFailedEmails(db: Db, limit: number): Promise<EmailQueueRow[]> {
  return db.selectFrom('email_queue').selectAll().where('status', '=', 'failed').orderBy('created_at', 'desc').limit(limit).execute();
}
