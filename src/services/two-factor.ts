// Turning the authenticator-app second factor on and off ("Protect my account",
// "Remove the two factor authentication"). Changing device = remove, then set up again.
import { randomBytes } from 'node:crypto';
import { normalizeTypedCode } from '../domain/codes.js';
import { TOTP_ENROLLMENT_LIFETIME_IN_MS } from '../domain/limits.js';
import { TOTP_SECRET_SIZE_IN_BYTES, checkTotpCode, formatSecretForManualEntry, totpKeyUri } from '../domain/totp.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteUserSignInAttempts } from '../store/sign-in-attempts.js';
import { claimTotpEnrollment, deleteTwoFactor, findTotpEnrollment, findTwoFactor, upsertTotpEnrollment } from '../store/two-factor.js';
import { findUserById, lockUserRow } from '../store/users.js';
import { insertTwoFactor } from '../store/two-factor.js';
import { findSmsCode } from '../store/sms-codes.js';
import { checkSmsCode, sendSmsCode } from './sms-codes.js';
import { markResetNoticesSeen } from './two-factor-reset.js';
import { notifySecurityChange } from './notifications.js';
import { checkReenteredPassword } from './password-guesses.js';
import { inTransaction } from './transaction.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { forgetAllRememberedDevices } from './remembered-devices.js';
import { replaceAllUserSessions } from './sessions.js';

const totpSecretPurpose = (userId: string) => `totp-secret:${userId}`;

export function sealTotpSecret(ctx: ServiceContext, userId: string, secret: Uint8Array): string {
  return ctx.secretBox.seal(secret, totpSecretPurpose(userId));
}

export function openTotpSecret(ctx: ServiceContext, userId: string, sealed: string): Uint8Array {
  return ctx.secretBox.open(sealed, totpSecretPurpose(userId));
}

export interface TwoFactorStatus {
  enabled: boolean;
  method: 'totp' | 'sms' | 'webauthn' | null;
  enabledAtMs: number | null;
}

export async function getTwoFactorStatus(ctx: ServiceContext, userId: string): Promise<TwoFactorStatus> {
  const row = await findTwoFactor(ctx.db, userId);
  return row ? { enabled: true, method: row.method, enabledAtMs: row.enabled_at } : { enabled: false, method: null, enabledAtMs: null };
}

export interface TotpEnrollment {
  keyUri: string;
  secretForManualEntry: string;
}

/**
 * Starts (or resumes) setting up an authenticator app: a fresh 160-bit secret,
 * kept sealed as pending until the person proves their app has it.
 */
export async function startTotpEnrollment(ctx: ServiceContext, userId: string, sessionId: string | null = null): Promise<TotpEnrollment> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new TwofoldError('sign_in_required');
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('two_factor_already_on');
  const nowMs = ctx.now();
  const existing = await findTotpEnrollment(ctx.db, userId);
  let secret: Uint8Array;
  if (existing && existing.expires_at > nowMs && existing.session_id === sessionId) {
    // Reloading the page must not change the QR code the person is scanning. Another
    // session (perhaps a thief's) gets a secret of its own, which replaces this one.
    secret = openTotpSecret(ctx, userId, existing.totp_secret);
  } else {
    secret = new Uint8Array(randomBytes(TOTP_SECRET_SIZE_IN_BYTES));
    await upsertTotpEnrollment(ctx.db, { user_id: userId, totp_secret: sealTotpSecret(ctx, userId, secret), session_id: sessionId, created_at: nowMs, expires_at: nowMs + TOTP_ENROLLMENT_LIFETIME_IN_MS });
  }
  return { keyUri: totpKeyUri({ secret, issuer: ctx.issuer, accountName: user.email }), secretForManualEntry: formatSecretForManualEntry(secret) };
}

/** Switches 2FA on once a code from the app proves it holds the secret. Returns a new session token. */
export async function confirmTotpEnrollment(ctx: ServiceContext, userId: string, typedCode: unknown, meta: RequestMeta): Promise<string> {
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('two_factor_already_on');
  const nowMs = ctx.now();
  const enrollment = await findTotpEnrollment(ctx.db, userId);
  // Only the session that was shown the secret may turn it on.
  if (!enrollment || enrollment.expires_at <= nowMs || enrollment.session_id !== (meta.sessionId ?? null)) throw new TwofoldError('enrollment_expired');
  const code = normalizeTypedCode(typedCode);
  if (code === null) throw new TwofoldError('wrong_code');
  const check = checkTotpCode({ secret: openTotpSecret(ctx, userId, enrollment.totp_secret), code, timeInMs: nowMs, lastUsedStep: null });
  if (!check.valid) throw new TwofoldError('wrong_code');
  // One transaction: 2FA on, the set-up gone, every other session ended, or none of it.
  return inTransaction(ctx, async (tx) => {
    // The confirming code's step is recorded as used: it cannot then sign anyone in.
    // Not claimed: a double submit turned it on already, or another session's set-up replaced this one.
    if (!(await claimTotpEnrollment(tx.db, userId, enrollment.session_id))) {
      throw new TwofoldError((await findTwoFactor(tx.db, userId)) ? 'two_factor_already_on' : 'enrollment_expired');
    }
    if (!(await insertTwoFactor(tx.db, { user_id: userId, method: 'totp', totp_secret: enrollment.totp_secret, last_used_step: check.step, enabled_at: nowMs }))) {
      throw new TwofoldError('two_factor_already_on');
    }
    await appendSecurityEvent(tx.db, { type: 'two_factor_enabled', userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'authenticator app', atMs: nowMs });
    await markResetNoticesSeen(tx, userId);
    await notifySecurityChange(tx, userId, 'two_factor_enabled', meta);
    return replaceAllUserSessions(tx, userId, meta);
  });
}

/** "Remove the two factor authentication": password first; every other session ends. Returns a new session token. */
export async function removeTwoFactor(ctx: ServiceContext, userId: string, password: unknown, meta: RequestMeta): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, user, password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  // One transaction: 2FA off with every other session and device of the person gone, or
  // nothing (a crash half-way must not leave 2FA off with a thief's session alive).
  return inTransaction(ctx, async (tx) => {
    if (!(await deleteTwoFactor(tx.db, userId))) throw new TwofoldError('two_factor_not_on');
    await deleteUserSignInAttempts(tx.db, userId);
    await forgetAllRememberedDevices(tx, userId, meta, 'two-factor authentication removed');
    await appendSecurityEvent(tx.db, { type: 'two_factor_removed', userId, ip: meta.ip, userAgent: meta.userAgent, atMs: ctx.now() });
    await notifySecurityChange(tx, userId, 'two_factor_removed', meta);
    return replaceAllUserSessions(tx, userId, meta);
  });
}

/**
 * SMS as the second factor: first prove the number, with a code sent to it. Choosing
 * SMS again while a code to the same number is still good sends nothing (texts cost
 * money, and the person has the code); `newCode` is "Send a new code".
 */
export async function startSmsEnrollment(ctx: ServiceContext, userId: string, meta: RequestMeta, options: { newCode?: boolean } = {}): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new TwofoldError('sign_in_required');
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('two_factor_already_on');
  if (!user.mobile) throw new TwofoldError('mobile_required');
  const current = await findSmsCode(ctx.db, userId, 'enroll');
  const stillGood = current !== undefined && current.used_at === null && current.expires_at > ctx.now() && current.mobile === user.mobile;
  if (stillGood && !options.newCode) return;
  await sendSmsCode(ctx, { userId, mobile: user.mobile, purpose: 'enroll', attemptId: null }, meta);
}

/** Switches SMS 2FA on once the code sent to the number is typed. Returns a new session token. */
export async function confirmSmsEnrollment(ctx: ServiceContext, userId: string, typedCode: unknown, meta: RequestMeta): Promise<string> {
  const nowMs = ctx.now();
  // One transaction, after the person's row lock: the number read here is the number 2FA
  // turns on for, and a number changed in another tab either committed before (the code
  // was sent to another number: refused) or waits until 2FA is on (then it is locked).
  // Refusals are returned, not thrown, so a wrong code's try is committed and counted.
  const outcome = await inTransaction(ctx, async (tx): Promise<{ refused: ErrorCode } | { sessionToken: string }> => {
    const trx = tx.db;
    await lockUserRow(trx, userId);
    const user = await findUserById(trx, userId);
    if (!user?.mobile) return { refused: 'mobile_required' };
    if (await findTwoFactor(trx, userId)) return { refused: 'two_factor_already_on' };
    const check = await checkSmsCode(tx, { userId, purpose: 'enroll', attemptId: null, mobile: user.mobile }, typedCode);
    if (!check.valid) return { refused: check.reason === 'wrong_code' ? 'wrong_sms_code' : 'sms_code_expired' };
    if (!(await insertTwoFactor(trx, { user_id: userId, method: 'sms', totp_secret: null, last_used_step: null, enabled_at: nowMs }))) return { refused: 'two_factor_already_on' };
    await appendSecurityEvent(trx, { type: 'two_factor_enabled', userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'SMS', atMs: nowMs });
    await markResetNoticesSeen(tx, userId);
    await notifySecurityChange(tx, userId, 'two_factor_enabled', meta);
    return { sessionToken: await replaceAllUserSessions(tx, userId, meta) };
  });
  if ('refused' in outcome) throw new TwofoldError(outcome.refused);
  return outcome.sessionToken;
}
