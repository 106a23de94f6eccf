// Resetting someone's 2FA: the aggregator's last resort from the help article, for a
// person who lost both phone and number. Shared by the admin area and the CLI.
import { randomUUID } from 'node:crypto';
import { twoFactorResetMessage } from '../domain/sms.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { appendSmsLog } from '../store/sms-log.js';
import { deleteEverySignInOf } from '../store/sessions.js';
import { deleteSmsCodesOf } from '../store/sms-codes.js';
import { deleteTotpEnrollment, deleteTwoFactor } from '../store/two-factor.js';
import { findUnseenTwoFactorReset, insertTwoFactorReset, markTwoFactorResetsSeen } from '../store/two-factor-resets.js';
import { clearCodeFailures, findUserById, setMobile } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { forgetSecondFactorLeftovers } from './second-factors.js';
import { inTransaction } from './transaction.js';

export interface ResetRequest {
  targetUserId: string;
  /** null: the operator, from the CLI */
  actorUserId: string | null;
  actorName: string;
  organizationName: string;
  reason: string;
  verification: string;
  /** E.164; replaces the number when the old one is gone */
  newMobile: string | null;
}

export async function resetTwoFactor(ctx: ServiceContext, request: ResetRequest, meta: RequestMeta): Promise<void> {
  const user = await findUserById(ctx.db, request.targetUserId);
  if (!user) throw new TwofoldError('not_found');
  const nowMs = ctx.now();
  // One transaction: a reset is all of these or none of them. A sign-in racing the
  // reset either finished before (its session is deleted here) or finds no factor.
  await inTransaction(ctx, async (tx) => {
    const trx = tx.db;
    await deleteTwoFactor(trx, user.id);
    await deleteTotpEnrollment(trx, user.id);
    await forgetSecondFactorLeftovers(tx, user.id);
    await deleteSmsCodesOf(trx, user.id);
    await deleteEverySignInOf(trx, user.id);
    // The admin verified the person: the wrong-code count starts again.
    await clearCodeFailures(trx, user.id);
    if (request.newMobile) await setMobile(trx, user.id, request.newMobile);
    await insertTwoFactorReset(trx, {
      id: randomUUID(),
      user_id: user.id,
      reset_by_user_id: request.actorUserId,
      reset_by_name: request.actorName,
      organization_name: request.organizationName,
      created_at: nowMs,
      seen_at: null,
    });
    await appendSecurityEvent(trx, {
      type: 'two_factor_reset',
      userId: user.id,
      actorId: request.actorUserId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: `by ${request.actorName}; reason: ${request.reason}; verified by: ${request.verification}${request.newMobile ? '; mobile number replaced' : ''}`,
      atMs: nowMs,
    });
    await notifySecurityChange(tx, user.id, 'two_factor_reset', meta, { actor: `${request.actorName} (${request.organizationName})` });
    if (request.newMobile && request.newMobile !== user.mobile) {
      await appendSecurityEvent(trx, { type: 'mobile_changed', userId: user.id, actorId: request.actorUserId, ip: meta.ip, userAgent: meta.userAgent, detail: `replaced by ${request.actorName}`, atMs: nowMs });
    }
  });

  // Told by SMS, with no code and no link: someone who did not ask can act at once.
  const mobile = request.newMobile ?? user.mobile;
  if (mobile) {
    const result = await ctx.sms.send({ to: mobile, body: twoFactorResetMessage(request.organizationName) });
    await appendSmsLog(ctx.db, {
      user_id: user.id,
      mobile,
      purpose: 'reset_notice',
      outcome: result.sent ? 'sent' : 'failed',
      reason: result.sent ? null : result.reason,
      provider: ctx.sms.provider,
      provider_message_id: result.sent ? result.providerMessageId : null,
      ip: meta.ip,
      created_at: nowMs,
    });
  }
}

export interface ResetNotice {
  resetByName: string;
  organizationName: string;
  atMs: number;
}

/** The newest reset the person has not yet answered by setting 2FA up again. */
export async function findPendingResetNotice(ctx: ServiceContext, userId: string): Promise<ResetNotice | null> {
  const row = await findUnseenTwoFactorReset(ctx.db, userId);
  return row ? { resetByName: row.reset_by_name, organizationName: row.organization_name, atMs: row.created_at } : null;
}

export async function markResetNoticesSeen(ctx: ServiceContext, userId: string): Promise<void> {
  await markTwoFactorResetsSeen(ctx.db, userId, ctx.now());
}
