// `twofold mail status`: how many emails are in each state, and why the last ones failed.
import { countEmailsByStatus, listFailedEmails } from '../store/email-queue.js';
import type { ServiceContext } from './context.js';

export interface MailStatus {
  counts: Record<'pending' | 'sending' | 'sent' | 'failed', number>;
  recentFailures: Array<{ createdAtMs: number; kind: string; to: string; attempts: number; lastError: string | null }>;
}

export async function describeMailQueue(ctx: ServiceContext, failuresToShow = 20): Promise<MailStatus> {
  const counts = await countEmailsByStatus(ctx.db);
  const failed = await listFailedEmails(ctx.db, failuresToShow);
  return {
    counts: { pending: counts.pending ?? 0, sending: counts.sending ?? 0, sent: counts.sent ?? 0, failed: counts.failed ?? 0 },
    recentFailures: failed.map((row) => ({ createdAtMs: row.created_at, kind: row.kind, to: row.to_address, attempts: row.attempts, lastError: row.last_error })),
  };
}
