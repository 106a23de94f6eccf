// The mobile number on the account. As the article says, it cannot change while
// 2FA is on: remove 2FA, change the number, set 2FA up again.
import { formatAustralianMobile, parseAustralianMobile } from '../domain/phone.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findTwoFactor } from '../store/two-factor.js';
import { deleteSmsCodeFor } from '../store/sms-codes.js';
import { inTransaction } from './transaction.js';
import { findUserById, lockUserRow, updateMobileUnlessSecondFactor } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';

export async function setMobileNumber(ctx: ServiceContext, userId: string, typed: unknown, meta: RequestMeta): Promise<string> {
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('mobile_locked');
  const mobile = parseAustralianMobile(typed);
  if (mobile === null) throw new TwofoldError('mobile_invalid');
  const refusal = await inTransaction(ctx, async (tx): Promise<ErrorCode | null> => {
    // Serialised with "turn SMS 2FA on" (see lockUserRow): that one then reads this number.
    if (!(await lockUserRow(tx.db, userId))) return 'sign_in_required';
    const before = (await findUserById(tx.db, userId))?.mobile ?? null;
    if (!(await updateMobileUnlessSecondFactor(tx.db, userId, mobile))) return 'mobile_locked';
    if (before === mobile) return null;
    // A code sent to set up SMS proved the old number, not this one: the set-up starts again.
    await deleteSmsCodeFor(tx.db, userId, 'enroll');
    await appendSecurityEvent(tx.db, { type: 'mobile_changed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: before ? 'changed' : 'added', atMs: ctx.now() });
    await notifySecurityChange(tx, userId, 'mobile_changed', meta);
    return null;
  });
  if (refusal) throw new TwofoldError(refusal);
  return mobile;
}

/** The person's mobile number as they would type it (0412345678), or null. */
export async function mobileNumberOf(ctx: ServiceContext, userId: string): Promise<string | null> {
  const row = await findUserById(ctx.db, userId);
  return row?.mobile ? formatAustralianMobile(row.mobile) : null;
}
