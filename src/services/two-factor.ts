// Turning the authenticator-app second factor on and off ("Protect my account",
// "Remove the two factor authentication"). Changing device = remove, then set up again.
import { randomBytes } from 'node:crypto';
import { normalizeTypedCode } from '../domain/codes.js';
import { TOTP_ENROLLMENT_LIFETIME_IN_MS } from '../domain/limits.js';
import { TOTP_SECRET_SIZE_IN_BYTES, checkTotpCode, formatSecretForManualEntry, totpKeyUri } from '../domain/totp.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteUserSignInAttempts } from '../store/sign-in-attempts.js';
import { claimTotpEnrollment, deleteTwoFactor, findTotpEnrollment, findTwoFactor, insertTwoFactor, upsertTotpEnrollment } from '../store/two-factor.js';
import { findUserById, lockUserRow } from '../store/users.js';
import type { TwoFactorMethod } from '../domain/second-factors.js';
import { findRecoveryCodeReveal } from '../store/recovery-codes.js';
import { type TwoFactorActivationRow, claimTwoFactorActivation, upsertTwoFactorActivation } from '../store/two-factor-activations.js';
import { RECOVERY_CODE_REVEAL_LIFETIME_IN_MS } from '../domain/recovery-codes.js';
import { forgetShownRecoveryCodes, issueRecoveryCodes } from './recovery-codes.js';
import { forgetSecondFactorLeftovers } from './second-factors.js';
import { deletePasskey, finishPasskeyRegistration } from './passkeys.js';
import { countPasskeysOf, findPasskey } from '../store/passkeys.js';
import { findSmsCode } from '../store/sms-codes.js';
import { checkSmsCode, sendSmsCode } from './sms-codes.js';
import { markResetNoticesSeen } from './two-factor-reset.js';
import { notifySecurityChange } from './notifications.js';
import { checkReenteredPassword } from './password-guesses.js';
import { inTransaction } from './transaction.js';
import { sealedPurpose } from '../domain/sealed-values.js';
import { requireCurrentMasterSecret } from './master-secret.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { forgetAllRememberedDevices } from './remembered-devices.js';
import { replaceAllUserSessions } from './sessions.js';

const totpSecretPurpose = sealedPurpose.totpSecret;

export function sealTotpSecret(ctx: ServiceContext, userId: string, secret: Uint8Array): string {
  return ctx.secretBox.seal(secret, totpSecretPurpose(userId));
}

export function openTotpSecret(ctx: ServiceContext, userId: string, sealed: string): Uint8Array {
  return ctx.secretBox.open(sealed, totpSecretPurpose(userId));
}

export interface TwoFactorStatus {
  enabled: boolean;
  method: TwoFactorMethod | null;
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
    // A node still on a replaced master secret would seal it where the new one cannot open it.
    await requireCurrentMasterSecret(ctx);
    secret = new Uint8Array(randomBytes(TOTP_SECRET_SIZE_IN_BYTES));
    await upsertTotpEnrollment(ctx.db, { user_id: userId, totp_secret: sealTotpSecret(ctx, userId, secret), session_id: sessionId, created_at: nowMs, expires_at: nowMs + TOTP_ENROLLMENT_LIFETIME_IN_MS });
  }
  return { keyUri: totpKeyUri({ secret, issuer: ctx.issuer, accountName: user.email }), secretForManualEntry: formatSecretForManualEntry(secret) };
}

/**
 * The app proved it holds the secret: the factor waits, with a new set of recovery codes,
 * for the person to say they saved them (turnOnTwoFactor). Returns the codes.
 */
export async function confirmTotpEnrollment(ctx: ServiceContext, userId: string, typedCode: unknown, meta: RequestMeta): Promise<{ recoveryCodes: string[] }> {
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('two_factor_already_on');
  const nowMs = ctx.now();
  const enrollment = await findTotpEnrollment(ctx.db, userId);
  // Only the session that was shown the secret may turn it on.
  if (!enrollment || enrollment.expires_at <= nowMs || enrollment.session_id !== (meta.sessionId ?? null)) throw new TwofoldError('enrollment_expired');
  const code = normalizeTypedCode(typedCode);
  if (code === null) throw new TwofoldError('wrong_code');
  const check = checkTotpCode({ secret: openTotpSecret(ctx, userId, enrollment.totp_secret), code, timeInMs: nowMs, lastUsedStep: null });
  if (!check.valid) throw new TwofoldError('wrong_code');
  return inTransaction(ctx, async (tx) => {
    // Not claimed: a double submit proved it already, or another session's set-up replaced this one.
    if (!(await claimTotpEnrollment(tx.db, userId, enrollment.session_id))) {
      throw new TwofoldError((await findTwoFactor(tx.db, userId)) ? 'two_factor_already_on' : 'enrollment_expired');
    }
    // The proving code's step is kept as used: it cannot then sign anyone in.
    return proveSecondFactor(tx, userId, enrollment.session_id, { method: 'totp', totp_secret: enrollment.totp_secret, last_used_step: check.step, mobile: null });
  });
}

/** A proved factor, waiting for "I have saved my recovery codes"; a new set of codes for it. */
async function proveSecondFactor(tx: ServiceContext, userId: string, sessionId: string | null, factor: Pick<TwoFactorActivationRow, 'method' | 'totp_secret' | 'last_used_step' | 'mobile'>): Promise<{ recoveryCodes: string[] }> {
  // Under the person's row lock, as turnOnTwoFactor is: a factor proved while another one
  // is being turned on (two tabs, or a double submit across methods) must not replace the
  // codes that were just saved.
  await lockUserRow(tx.db, userId);
  if (await findTwoFactor(tx.db, userId)) throw new TwofoldError('two_factor_already_on');
  const nowMs = tx.now();
  await upsertTwoFactorActivation(tx.db, { user_id: userId, session_id: sessionId, ...factor, created_at: nowMs, expires_at: nowMs + RECOVERY_CODE_REVEAL_LIFETIME_IN_MS });
  return { recoveryCodes: await issueRecoveryCodes(tx, userId, sessionId) };
}

/**
 * "I have saved my recovery codes": the factor this session proved turns on, every other
 * session ends. Returns the method and a new session token.
 */
export async function turnOnTwoFactor(ctx: ServiceContext, userId: string, meta: RequestMeta, shownSetMadeAtMs?: number): Promise<{ method: TwoFactorMethod; sessionToken: string }> {
  const nowMs = ctx.now();
  // One transaction after the person's row lock: 2FA on, the codes' plain copy gone, every
  // other session ended, or none of it. Refusals are returned so nothing half-done commits.
  const outcome = await inTransaction(ctx, async (tx): Promise<{ refused: ErrorCode } | { method: TwoFactorMethod; sessionToken: string }> => {
    await lockUserRow(tx.db, userId);
    if (await findTwoFactor(tx.db, userId)) return { refused: 'two_factor_already_on' };
    // The codes the person saved are the set being turned on: another tab may have proved a
    // factor (and made a new set) since this page was shown.
    if (shownSetMadeAtMs !== undefined && (await findRecoveryCodeReveal(tx.db, userId))?.created_at !== shownSetMadeAtMs) return { refused: 'recovery_codes_changed' };
    const factor = await claimTwoFactorActivation(tx.db, userId, meta.sessionId ?? null, nowMs);
    if (!factor) return { refused: 'enrollment_expired' };
    // A number changed since its code was typed was never proved.
    if (factor.method === 'sms' && (await findUserById(tx.db, userId))?.mobile !== factor.mobile) return { refused: 'enrollment_expired' };
    // A key removed since it was added (another tab) leaves nothing to turn on.
    if (factor.method === 'webauthn' && (await countPasskeysOf(tx.db, userId)) === 0) return { refused: 'enrollment_expired' };
    if (!(await insertTwoFactor(tx.db, { user_id: userId, method: factor.method, totp_secret: factor.totp_secret, last_used_step: factor.last_used_step, enabled_at: nowMs }))) {
      return { refused: 'two_factor_already_on' };
    }
    tx.crashPoint?.('two-factor-on'); // TEST ONLY: a no-op unless TWOFOLD_TEST_CRASH_AT names it
    await forgetShownRecoveryCodes(tx, userId);
    await appendSecurityEvent(tx.db, { type: 'two_factor_enabled', userId, ip: meta.ip, userAgent: meta.userAgent, detail: METHOD_NAMES[factor.method], atMs: nowMs });
    await markResetNoticesSeen(tx, userId);
    await notifySecurityChange(tx, userId, 'two_factor_enabled', meta);
    return { method: factor.method, sessionToken: await replaceAllUserSessions(tx, userId, meta, ['pwd']) };
  });
  if ('refused' in outcome) throw new TwofoldError(outcome.refused);
  return outcome;
}

const METHOD_NAMES: Record<TwoFactorMethod, string> = { totp: 'authenticator app', sms: 'SMS', webauthn: 'passkey or security key' };

/** "Remove the two factor authentication": password first; every other session ends. Returns a new session token. */
export async function removeTwoFactor(ctx: ServiceContext, userId: string, password: unknown, meta: RequestMeta): Promise<string> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, user, password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  return turnOffTwoFactor(ctx, userId, meta);
}

/** 2FA off, after the password was checked. Returns a new session token. */
async function turnOffTwoFactor(ctx: ServiceContext, userId: string, meta: RequestMeta): Promise<string> {
  // One transaction: 2FA off with every other session and device of the person gone, or
  // nothing (a crash half-way must not leave 2FA off with a thief's session alive).
  return inTransaction(ctx, async (tx) => {
    if (!(await deleteTwoFactor(tx.db, userId))) throw new TwofoldError('two_factor_not_on');
    await forgetSecondFactorLeftovers(tx, userId);
    await deleteUserSignInAttempts(tx.db, userId);
    await forgetAllRememberedDevices(tx, userId, meta, 'two-factor authentication removed');
    await appendSecurityEvent(tx.db, { type: 'two_factor_removed', userId, ip: meta.ip, userAgent: meta.userAgent, atMs: ctx.now() });
    await notifySecurityChange(tx, userId, 'two_factor_removed', meta);
    return replaceAllUserSessions(tx, userId, meta, ['pwd']);
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

/** The number is proved once the code sent to it is typed; then as for the app. Returns the recovery codes. */
export async function confirmSmsEnrollment(ctx: ServiceContext, userId: string, typedCode: unknown, meta: RequestMeta): Promise<{ recoveryCodes: string[] }> {
  // One transaction, after the person's row lock: the number read here is the number the
  // code was sent to, and turnOnTwoFactor checks it is still the account's.
  // Refusals are returned, not thrown, so a wrong code's try is committed and counted.
  const outcome = await inTransaction(ctx, async (tx): Promise<{ refused: ErrorCode } | { recoveryCodes: string[] }> => {
    const trx = tx.db;
    await lockUserRow(trx, userId);
    const user = await findUserById(trx, userId);
    if (!user?.mobile) return { refused: 'mobile_required' };
    if (await findTwoFactor(trx, userId)) return { refused: 'two_factor_already_on' };
    const check = await checkSmsCode(tx, { userId, purpose: 'enroll', attemptId: null, mobile: user.mobile }, typedCode);
    if (!check.valid) return { refused: check.reason === 'wrong_code' ? 'wrong_sms_code' : 'sms_code_expired' };
    return proveSecondFactor(tx, userId, meta.sessionId ?? null, { method: 'sms', totp_secret: null, last_used_step: null, mobile: user.mobile });
  });
  if ('refused' in outcome) throw new TwofoldError(outcome.refused);
  return outcome;
}

/**
 * "Passkey or security key" in Protect my account: the browser's answer adds the key,
 * then, as for the app, recovery codes before 2FA turns on. Returns the codes.
 */
export async function confirmPasskeyEnrollment(ctx: ServiceContext, userId: string, sessionId: string, responseJson: unknown, name: unknown, meta: RequestMeta): Promise<{ recoveryCodes: string[] }> {
  if (await findTwoFactor(ctx.db, userId)) throw new TwofoldError('two_factor_already_on');
  // The key and the proved factor commit together: proveSecondFactor refuses (and the key
  // goes with the rollback) when 2FA turned on meanwhile.
  return inTransaction(ctx, async (tx) => {
    await finishPasskeyRegistration(tx, userId, sessionId, responseJson, name, meta);
    return proveSecondFactor(tx, userId, sessionId, { method: 'webauthn', totp_secret: null, last_used_step: null, mobile: null });
  });
}

/**
 * Removes one passkey (password first). The last key of a person whose second factor is
 * passkeys is their second factor: removing it removes 2FA, with all that goes with it.
 * Returns a new session token when 2FA went, else null.
 */
export async function removePasskey(ctx: ServiceContext, userId: string, credentialId: unknown, password: unknown, meta: RequestMeta): Promise<string | null> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  const key = typeof credentialId === 'string' ? await findPasskey(ctx.db, credentialId) : undefined;
  if (!key || key.user_id !== userId) throw new TwofoldError('passkey_not_found');
  await checkReenteredPassword(ctx, user, password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  // Under the person's row lock: two keys removed at once (two tabs) must not both see
  // "another key is left" and leave a passkey second factor with no key.
  return inTransaction(ctx, async (tx) => {
    await lockUserRow(tx.db, userId);
    const twoFactor = await findTwoFactor(tx.db, userId);
    if (twoFactor?.method === 'webauthn' && (await countPasskeysOf(tx.db, userId)) <= 1) return turnOffTwoFactor(tx, userId, meta);
    await deletePasskey(tx, userId, credentialId, meta);
    await notifySecurityChange(tx, userId, 'passkey_removed', meta);
    return null;
  });
}

/**
 * "Add a passkey or security key" in Settings. A key is a way in on its own (Sign in with
 * a passkey): the password is asked first, so a stolen session cannot plant one.
 */
/** The password typed on the add-a-key form, checked before the browser asks for the key (addPasskey checks it again). */
export async function checkPasswordBeforeAddingPasskey(ctx: ServiceContext, userId: string, typed: unknown, meta: RequestMeta): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, user, typed, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
}

export async function addPasskey(ctx: ServiceContext, userId: string, sessionId: string, input: { response: unknown; name: unknown; password: unknown }, meta: RequestMeta): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  if (!user?.password_hash) throw new TwofoldError('sign_in_required');
  await checkReenteredPassword(ctx, user, input.password, meta, { missing: 'password_missing', wrong: 'current_password_wrong' });
  await finishPasskeyRegistration(ctx, userId, sessionId, input.response, input.name, meta);
}
