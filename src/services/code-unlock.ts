// Lifting a code entry pause before it ends: an aggregator admin's Unlock, or the
// operator's `user unlock`. Shared so both record and tell the person the same way.
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { unlockCodeStep } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { inTransaction } from './transaction.js';

export interface UnlockRequest {
  targetUserId: string;
  /** null: the operator, from the CLI */
  actorUserId: string | null;
  /** as the person reads it: "Alex Admin (Harbour Aggregation)" */
  actorName: string;
}

/** Clears the pause and the wrong-code count; `code_step_not_locked` when no pause is running. */
export async function unlockCodeEntry(ctx: ServiceContext, request: UnlockRequest, meta: RequestMeta): Promise<void> {
  const nowMs = ctx.now();
  // The unlock, its event and its email commit together, or none of them.
  const unlocked = await inTransaction(ctx, async (tx) => {
    if (!(await unlockCodeStep(tx.db, request.targetUserId, nowMs))) return false;
    await appendSecurityEvent(tx.db, {
      type: 'code_step_unlocked',
      userId: request.targetUserId,
      actorId: request.actorUserId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: `by ${request.actorName}`,
      atMs: nowMs,
    });
    await notifySecurityChange(tx, request.targetUserId, 'code_step_unlocked', meta, { actor: request.actorName });
    return true;
  });
  if (!unlocked) throw new TwofoldError('code_step_not_locked');
}
