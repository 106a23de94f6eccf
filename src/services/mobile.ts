// The mobile number on the account. As the article says, it cannot change while
// 2FA is on: remove 2FA, change the number, set 2FA up again.
import { formatAustralianMobile, parseAustralianMobile } from '../domain/phone.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findTwoFactor } from '../store/two-factor.js';
import { deleteSmsCodeFor } from '../store/sms-codes.js';
import { inTransaction } from './transaction.js';
import { findUserById, lockUserRow, updateMobileUnlessSecondFactor } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';

export async function setMobileNumber(ctx: ServiceContext, userId: string, typed: unknown, meta: RequestMeta): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new TwofoldError('sign_in_required');
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('mobile_locked');
  const mobile = parseAustralianMobile(typed);
  if (mobile === null) throw new TwofoldError('mobile_invalid');
  const outcome = await inTransaction(ctx, async ({ db: trx }) => {
    // Serialised with "turn SMS 2FA on" (see lockUserRow): that one then reads this number.
    await lockUserRow(trx, userId);
    const before = await findUserById(trx, userId);
    if (!(await updateMobileUnlessSecondFactor(trx, userId, mobile))) return { locked: true as const };
    // A code sent to set up SMS proved the old number, not this one: the set-up starts again.
    if (before?.mobile !== mobile) await deleteSmsCodeFor(trx, userId, 'enroll');
    return { locked: false as const, changed: before?.mobile !== mobile, added: !before?.mobile };
  });
  if (outcome.locked) throw new TwofoldError('mobile_locked');
  if (outcome.changed) {
    await appendSecurityEvent(ctx.db, { type: 'mobile_changed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: outcome.added ? 'added' : 'changed', atMs: ctx.now() });
    await notifySecurityChange(ctx, userId, 'mobile_changed', meta);
  }
  return mobile;
}

/** The person's mobile number as they would type it (0412345678), or null. */
export async function mobileNumberOf(ctx: ServiceContext, userId: string): Promise<string | null> {
  const row = await findUserById(ctx.db, userId);
  return row?.mobile ? formatAustralianMobile(row.mobile) : null;
}
