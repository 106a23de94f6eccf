// The mobile number on the account. As the article says, it cannot change while
// 2FA is on: remove 2FA, change the number, set 2FA up again. A person with 2FA on and
// no number may add one as a way back ("Lost your two-factor device"): with their
// password and a current second factor, then a code texted to the new number.
import { formatAustralianMobile, parseAustralianMobile } from '../domain/phone.js';
import { requireAustralianMobile } from './mobile-number.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { findTwoFactor } from '../store/two-factor.js';
import { deleteSmsCodeFor, findSmsCode } from '../store/sms-codes.js';
import { inTransaction } from './transaction.js';
import { addMobileUnlessOneIsSet, findUserById, lockUserRow, updateMobileUnlessSecondFactor } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { checkReenteredPassword } from './password-guesses.js';
import { proveCurrentSecondFactor } from './second-factor-proof.js';
import { checkSmsCode, resendWaitInSeconds, secondsUntilResend, sendSmsCode } from './sms-codes.js';

export async function setMobileNumber(ctx: ServiceContext, userId: string, typed: unknown, meta: RequestMeta): Promise<string> {
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('mobile_locked');
  const mobile = requireAustralianMobile(typed);
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

/**
 * "Add a mobile number" while 2FA is on, for an account with no number: the password
 * (checkReenteredPassword), then a current second factor (proveCurrentSecondFactor), then
 * a code is texted to the number. The code is bound to the number and to this session;
 * confirmBackupMobile saves the number once it is typed. Returns the number (E.164).
 */
export async function startAddingBackupMobile(ctx: ServiceContext, userId: string, input: { mobile: unknown; password: unknown; code: unknown }, meta: RequestMeta): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash || meta.sessionId === undefined) throw new TwofoldError('sign_in_required');
  const twoFactor = await findTwoFactor(ctx.db, userId);
  if (!twoFactor) throw new TwofoldError('two_factor_not_on');
  // Changing a number while 2FA is on stays blocked: this adds one where there is none.
  if (user.mobile) throw new TwofoldError('mobile_locked');
  const mobile = requireAustralianMobile(input.mobile);
  // Refused before the factor is proved: a recovery code must not be spent on a send that
  // the 30-second wait would refuse anyway.
  const waitInSeconds = await secondsUntilResend(ctx, userId, 'backup');
  if (waitInSeconds > 0) throw new TwofoldError('sms_resend_too_soon', { seconds: waitInSeconds });
  await checkReenteredPassword(ctx, user, input.password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  await proveCurrentSecondFactor(ctx, user, twoFactor, input.code, meta, 'to add a mobile number');
  await sendSmsCode(ctx, { userId, mobile, purpose: 'backup', attemptId: meta.sessionId }, meta);
  return mobile;
}

/** The number waiting for its code in this session (as typed: 0412345678), or null. */
export async function pendingBackupMobile(ctx: ServiceContext, userId: string, sessionId: string): Promise<{ mobile: string; resendInSeconds: number } | null> {
  const row = await findSmsCode(ctx.db, userId, 'backup');
  const nowMs = ctx.now();
  if (!row || row.attempt_id !== sessionId || row.used_at !== null || row.expires_at <= nowMs) return null;
  return { mobile: formatAustralianMobile(row.mobile), resendInSeconds: resendWaitInSeconds(row, nowMs) };
}

/** "Send a new code" to the number waiting in this session; the password and factor were proved for it. */
export async function resendBackupMobileCode(ctx: ServiceContext, userId: string, meta: RequestMeta): Promise<void> {
  const row = await findSmsCode(ctx.db, userId, 'backup');
  if (!row || meta.sessionId === undefined || row.attempt_id !== meta.sessionId || row.used_at !== null || row.expires_at <= ctx.now()) throw new TwofoldError('backup_mobile_expired');
  await sendSmsCode(ctx, { userId, mobile: row.mobile, purpose: 'backup', attemptId: meta.sessionId }, meta);
}

/**
 * The code texted by startAddingBackupMobile, typed in the session that asked for it:
 * the number is saved with its security event and email, in one transaction. `typedMobile`
 * is the number the page showed; checkSmsCode refuses a code sent to any other number.
 */
export async function confirmBackupMobile(ctx: ServiceContext, userId: string, input: { mobile: unknown; code: unknown }, meta: RequestMeta): Promise<void> {
  const mobile = parseAustralianMobile(input.mobile);
  const sessionId = meta.sessionId;
  if (mobile === null || sessionId === undefined) throw new TwofoldError('backup_mobile_expired');
  // Refusals are returned, not thrown, so a wrong code's try is committed and counted.
  const refusal = await inTransaction(ctx, async (tx): Promise<ErrorCode | null> => {
    if (!(await lockUserRow(tx.db, userId))) return 'sign_in_required';
    const check = await checkSmsCode(tx, { userId, purpose: 'backup', attemptId: sessionId, mobile }, input.code);
    if (!check.valid) return check.reason === 'wrong_code' ? 'wrong_sms_code' : 'backup_mobile_expired';
    if (!(await addMobileUnlessOneIsSet(tx.db, userId, mobile))) return 'mobile_locked';
    await appendSecurityEvent(tx.db, { type: 'mobile_changed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'added while two-factor authentication is on', atMs: ctx.now() });
    await notifySecurityChange(tx, userId, 'mobile_changed', meta);
    return null;
  });
  if (refusal) throw new TwofoldError(refusal);
}
