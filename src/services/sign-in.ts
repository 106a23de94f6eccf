// Signing in: the password step, then (with 2FA on) the code step, or the
// "Lost your two-factor device" path. Between the steps there is no session, only a
// sign-in attempt: a row bound to the user who passed the password step, reachable
// through a token cookie held by that browser alone, expiring in minutes, with a
// fixed number of tries.
import { createHash, timingSafeEqual } from 'node:crypto';
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { normalizeEmail } from '../domain/accounts.js';
import { normalizeTypedCode } from '../domain/codes.js';
import { LAST_FOUR_TRIES_PER_ACCOUNT, MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT, SIGN_IN_ATTEMPT_LIFETIME_IN_MS, codeLockDurationInMs, codeLockSchedule } from '../domain/limits.js';
import { countInWindow, giveBackToWindow } from '../store/throttles.js';
import { MAX_PASSWORD_LENGTH } from '../domain/passwords.js';
import { lastFourDigits, maskMobile } from '../domain/phone.js';
import { MAX_LAST_FOUR_TRIES_PER_ATTEMPT } from '../domain/sms.js';
import { checkTotpCode } from '../domain/totp.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { consumeSignInAttempt, findSignInAttempt, insertSignInAttempt, takeAttemptTry, unlockRecovery } from '../store/sign-in-attempts.js';
import { type TwoFactorRow, claimTotpStep, findTwoFactor } from '../store/two-factor.js';
import { type UserRow, clearCodeFailures, findUserByEmail, findUserById, reserveCodeGuess, updatePasswordHash } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { type RememberedDeviceNote, checkRememberedDevice, rememberThisDevice } from './remembered-devices.js';
import { createSession } from './sessions.js';
import { checkSmsCode, sendSmsCode } from './sms-codes.js';
import { openTotpSecret } from './two-factor.js';
import { findPendingResetNotice } from './two-factor-reset.js';
import { notifySecurityChange } from './notifications.js';
import { runInTransaction } from '../store/transactions.js';
import { inTransaction } from './transaction.js';
import { reservePasswordGuess, settleRightPassword } from './password-guesses.js';

export type PasswordStepOutcome =
  | { outcome: 'signed_in'; sessionToken: string; viaRememberedDevice: boolean; twoFactorWasReset?: boolean }
  | { outcome: 'code_required'; attemptToken: string }
  | { outcome: 'refused'; error: TwofoldError };

const minutesFrom = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
const CODE_LOCK_SCHEDULE = codeLockSchedule();
const metaOf = (meta: RequestMeta) => ({ ip: meta.ip, userAgent: meta.userAgent.slice(0, 256) });

export async function signInWithPassword(
  ctx: ServiceContext,
  input: { email: unknown; password: unknown; rememberedDeviceToken?: unknown },
  meta: RequestMeta,
): Promise<PasswordStepOutcome> {
  const refuse = (error: TwofoldError): PasswordStepOutcome => ({ outcome: 'refused', error });
  const email = normalizeEmail(input.email);
  if (email === null) return refuse(new TwofoldError('email_invalid'));
  if (typeof input.password !== 'string' || input.password.length === 0) return refuse(new TwofoldError('password_missing'));
  // Refused before hashing: argon2 time must not be the attacker's to choose.
  if (input.password.length > MAX_PASSWORD_LENGTH) return refuse(new TwofoldError('invalid_credentials'));
  const password = input.password;

  const nowMs = ctx.now();
  // Counted before the check (and given back if right), so parallel guesses cannot slip past either bound.
  const guess = await reservePasswordGuess(ctx, email, meta.ip, nowMs);
  if ('refused' in guess) return refuse(guess.refused);

  const user = await findUserByEmail(ctx.db, email);
  const passwordIsRight = user?.password_hash ? await ctx.hasher.verify(user.password_hash, password) : await ctx.hasher.verifyAgainstNothing(password);
  if (!user || !user.password_hash || !passwordIsRight) {
    if (user) await appendSecurityEvent(ctx.db, { type: 'password_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
    return refuse(new TwofoldError('invalid_credentials'));
  }
  await settleRightPassword(ctx, guess, { clearAccountWindow: true });

  if (ctx.hasher.needsRehash(user.password_hash)) await updatePasswordHash(ctx.db, user.id, await ctx.hasher.hash(password), null);

  const twoFactor = await findTwoFactor(ctx.db, user.id);
  if (!twoFactor) {
    const sessionToken = await runInTransaction(ctx.db, async (trx) => {
      const token = await createSession({ ...ctx, db: trx }, user.id, meta);
      await appendSecurityEvent(trx, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password', atMs: nowMs });
      return token;
    });
    return { outcome: 'signed_in', sessionToken, viaRememberedDevice: false, twoFactorWasReset: (await findPendingResetNotice(ctx, user.id)) !== null };
  }
  const device = await checkRememberedDevice(ctx, user.id, input.rememberedDeviceToken, meta);
  if (device.trusted) {
    const sessionToken = await createSession(ctx, user.id, meta);
    await appendSecurityEvent(ctx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password and remembered device', atMs: nowMs });
    return { outcome: 'signed_in', sessionToken, viaRememberedDevice: true };
  }

  const attemptToken = generateToken();
  const attemptId = hashToken(attemptToken);
  await insertSignInAttempt(ctx.db, {
    id: attemptId,
    user_id: user.id,
    created_at: nowMs,
    expires_at: nowMs + SIGN_IN_ATTEMPT_LIFETIME_IN_MS,
    ip: meta.ip,
    user_agent: meta.userAgent.slice(0, 256),
    remembered_device_note: device.note,
    last_four_tries: 0,
    recovery_unlocked: 0,
  });
  if (twoFactor.method === 'sms' && user.mobile) {
    // A failed send is not the end: the code page offers "Send a new code".
    await sendSmsCode(ctx, { userId: user.id, mobile: user.mobile, purpose: 'sign_in', attemptId }, meta).catch((error: unknown) => {
      if (!(error instanceof TwofoldError)) throw error;
    });
  }
  return { outcome: 'code_required', attemptToken };
}

export interface PendingSignIn {
  attemptId: string;
  userId: string;
  email: string;
  method: 'totp' | 'sms';
  /** "04•• ••• 678", or null when the account has no mobile number */
  maskedMobile: string | null;
  triesLeft: number;
  lastFourTriesLeft: number;
  recoveryUnlocked: boolean;
  rememberedDeviceNote: RememberedDeviceNote | null;
}

/** The sign-in attempt behind a cookie, if it is still live. */
export async function findPendingSignIn(ctx: ServiceContext, attemptToken: unknown): Promise<PendingSignIn | null> {
  return (await loadPendingSignIn(ctx, attemptToken))?.pending ?? null;
}

async function loadPendingSignIn(ctx: ServiceContext, attemptToken: unknown): Promise<{ pending: PendingSignIn; user: UserRow; twoFactor: TwoFactorRow } | null> {
  if (!isWellFormedToken(attemptToken)) return null;
  const attempt = await findSignInAttempt(ctx.db, hashToken(attemptToken));
  if (!attempt || attempt.expires_at <= ctx.now() || attempt.code_tries >= MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT) return null;
  const user = await findUserById(ctx.db, attempt.user_id);
  const twoFactor = user ? await findTwoFactor(ctx.db, user.id) : undefined;
  if (!user || !twoFactor) return null;
  const pending: PendingSignIn = {
    attemptId: attempt.id,
    userId: user.id,
    email: user.email,
    method: twoFactor.method,
    maskedMobile: user.mobile ? maskMobile(user.mobile) : null,
    triesLeft: MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT - attempt.code_tries,
    lastFourTriesLeft: MAX_LAST_FOUR_TRIES_PER_ATTEMPT - attempt.last_four_tries,
    recoveryUnlocked: attempt.recovery_unlocked === 1,
    rememberedDeviceNote: attempt.remembered_device_note as RememberedDeviceNote | null,
  };
  return { pending, user, twoFactor };
}

export type CodeStepOutcome =
  /** `rememberedDeviceToken`: set when the person ticked "Remember this device for 30 days" */
  | { outcome: 'signed_in'; sessionToken: string; userId: string; rememberedDeviceToken: string | null; viaLostDevice: boolean }
  /** `restart`: the attempt is over, the password must be typed again */
  | { outcome: 'refused'; error: TwofoldError; restart: boolean };

type CodeCheck = { valid: true } | { valid: false; error: ErrorCode; replayed: boolean; codeDead: boolean };

/**
 * The code step: the authenticator code, the SMS code of the SMS method, or
 * (`lostDevice`) the recovery code sent after the last 4 digits matched.
 */
export async function completeSignInWithCode(
  ctx: ServiceContext,
  input: { attemptToken: unknown; code: unknown; rememberDevice?: boolean; lostDevice?: boolean },
  meta: RequestMeta,
): Promise<CodeStepOutcome> {
  const expired = (): CodeStepOutcome => ({ outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true });
  const loaded = await loadPendingSignIn(ctx, input.attemptToken);
  if (!loaded) return expired();
  const { pending, user } = loaded;
  if (input.lostDevice && !pending.recoveryUnlocked) return expired();

  const nowMs = ctx.now();
  if (user.code_locked_until !== null && user.code_locked_until > nowMs) {
    return { outcome: 'refused', error: new TwofoldError('code_step_locked', { minutes: minutesFrom(user.code_locked_until - nowMs) }), restart: false };
  }
  // The whole check is one transaction: the try, the step claim and the session (or the
  // failure count) commit together, once. The conditional updates inside still decide
  // every race; the transaction only spares SQLite a commit per statement.
  const outcome = await inTransaction(ctx, (tx) => checkCodeAndSignIn(tx, loaded, input, meta, nowMs));
  if (outcome.outcome !== 'signed_in') return outcome;
  if (input.lostDevice) await notifySecurityChange(ctx, user.id, 'signed_in_lost_device', meta);
  const rememberedDeviceToken = input.rememberDevice ? await rememberThisDevice(ctx, user.id, meta) : null;
  return { ...outcome, rememberedDeviceToken };
}

async function checkCodeAndSignIn(
  ctx: ServiceContext,
  loaded: { pending: PendingSignIn; user: UserRow; twoFactor: TwoFactorRow },
  input: { code: unknown; lostDevice?: boolean },
  meta: RequestMeta,
  nowMs: number,
): Promise<CodeStepOutcome> {
  const { pending, user, twoFactor } = loaded;
  if (!(await takeAttemptTry(ctx.db, pending.attemptId, 'code_tries', MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT, nowMs))) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('code_tries_exhausted'), restart: true };
  }
  // Counted as wrong (and the step locked at a lock point) before the check: the lock
  // read before this transaction may be stale when guesses arrive in parallel.
  const failures = await reserveCodeGuess(ctx.db, user.id, nowMs, CODE_LOCK_SCHEDULE);
  if (failures === null) {
    const lockedUntil = (await findUserById(ctx.db, user.id))?.code_locked_until ?? nowMs;
    return { outcome: 'refused', error: new TwofoldError('code_step_locked', { minutes: minutesFrom(lockedUntil - nowMs) }), restart: false };
  }

  const check = input.lostDevice
    ? await checkSmsStep(ctx, user, 'recovery', pending.attemptId, input.code)
    : twoFactor.method === 'sms'
      ? await checkSmsStep(ctx, user, 'sign_in', pending.attemptId, input.code)
      : await checkTotpStep(ctx, user, twoFactor, input.code, nowMs);

  if (check.valid) {
    // Race prevented: two right codes on one attempt (a double submit) make one session.
    // Right: the reserved failure (and a lock it may have started) goes away with the count.
    await clearCodeFailures(ctx.db, user.id);
    if (!(await consumeSignInAttempt(ctx.db, pending.attemptId))) return { outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true };
    const sessionToken = await createSession(ctx, user.id, meta);
    const how = input.lostDevice ? 'password and SMS code (lost device)' : twoFactor.method === 'sms' ? 'password and SMS code' : 'password and authenticator app';
    await appendSecurityEvent(ctx.db, { type: input.lostDevice ? 'signed_in_lost_device' : 'signed_in', userId: user.id, ...metaOf(meta), detail: how, atMs: nowMs });
    return { outcome: 'signed_in', sessionToken, userId: user.id, rememberedDeviceToken: null, viaLostDevice: input.lostDevice === true };
  }

  await appendSecurityEvent(ctx.db, { type: check.replayed ? 'code_replayed' : 'code_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
  if (codeLockDurationInMs(failures) > 0) {
    await appendSecurityEvent(ctx.db, { type: 'code_step_locked', userId: user.id, ...metaOf(meta), detail: `${failures} consecutive wrong codes`, atMs: nowMs });
    await notifySecurityChange(ctx, user.id, 'code_step_locked', meta);
  }
  if (pending.triesLeft <= 1 || check.codeDead) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('code_tries_exhausted'), restart: true };
  }
  return { outcome: 'refused', error: new TwofoldError(check.error), restart: false };
}

async function checkTotpStep(ctx: ServiceContext, user: UserRow, twoFactor: TwoFactorRow, typed: unknown, nowMs: number): Promise<CodeCheck> {
  const code = normalizeTypedCode(typed);
  if (code === null || twoFactor.totp_secret === null) return { valid: false, error: 'wrong_code', replayed: false, codeDead: false };
  const check = checkTotpCode({ secret: openTotpSecret(ctx, user.id, twoFactor.totp_secret), code, timeInMs: nowMs, lastUsedStep: twoFactor.last_used_step });
  if (check.valid && (await claimTotpStep(ctx.db, user.id, check.step))) return { valid: true };
  // A valid code that lost the race for its step, or one already used, is a replay.
  const replayed = check.valid || check.reason === 'already_used';
  return { valid: false, error: replayed ? 'code_already_used' : 'wrong_code', replayed, codeDead: false };
}

async function checkSmsStep(ctx: ServiceContext, user: UserRow, purpose: 'sign_in' | 'recovery', attemptId: string, typed: unknown): Promise<CodeCheck> {
  if (!user.mobile) return { valid: false, error: 'sms_code_expired', replayed: false, codeDead: false };
  const check = await checkSmsCode(ctx, { userId: user.id, purpose, attemptId, mobile: user.mobile }, typed);
  if (check.valid) return { valid: true };
  if (check.reason === 'sms_code_expired') return { valid: false, error: 'sms_code_expired', replayed: false, codeDead: false };
  return { valid: false, error: 'wrong_sms_code', replayed: false, codeDead: check.reason === 'sms_code_tries_exhausted' };
}

export type LastFourOutcome = { outcome: 'code_sent' } | { outcome: 'refused'; error: TwofoldError; restart: boolean };

/**
 * "Lost your two-factor device": the last 4 digits of the mobile number on the
 * account, then a code by SMS to that number. Reachable only with a live attempt,
 * that is, by someone who typed the right password in this browser minutes ago.
 */
export async function requestLostDeviceCode(ctx: ServiceContext, input: { attemptToken: unknown; lastFour: unknown }, meta: RequestMeta): Promise<LastFourOutcome> {
  const pending = await findPendingSignIn(ctx, input.attemptToken);
  if (!pending) return { outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true };
  const user = await findUserById(ctx.db, pending.userId);
  if (!user?.mobile) return { outcome: 'refused', error: new TwofoldError('no_mobile_on_account'), restart: false };
  const nowMs = ctx.now();
  if (!(await takeAttemptTry(ctx.db, pending.attemptId, 'last_four_tries', MAX_LAST_FOUR_TRIES_PER_ATTEMPT, nowMs))) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('last_four_tries_exhausted'), restart: true };
  }
  // Counted per account before comparing (and given back if right): attempts are free to
  // whoever has the password, so a per-attempt bound alone would not bound the guessing.
  const accountWindow = await countInWindow(ctx.db, LAST_FOUR_TRIES_PER_ACCOUNT, user.id, nowMs);
  if (accountWindow.count > LAST_FOUR_TRIES_PER_ACCOUNT.max) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('last_four_tries_exhausted'), restart: true };
  }
  if (!lastFourMatches(input.lastFour, lastFourDigits(user.mobile))) {
    await appendSecurityEvent(ctx.db, { type: 'last_four_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
    if (pending.lastFourTriesLeft <= 1) {
      await consumeSignInAttempt(ctx.db, pending.attemptId);
      return { outcome: 'refused', error: new TwofoldError('last_four_tries_exhausted'), restart: true };
    }
    return { outcome: 'refused', error: new TwofoldError('last_four_wrong'), restart: false };
  }
  await giveBackToWindow(ctx.db, LAST_FOUR_TRIES_PER_ACCOUNT, user.id, accountWindow);
  await unlockRecovery(ctx.db, pending.attemptId);
  try {
    await sendSmsCode(ctx, { userId: user.id, mobile: user.mobile, purpose: 'recovery', attemptId: pending.attemptId }, meta);
  } catch (error) {
    if (error instanceof TwofoldError) return { outcome: 'refused', error, restart: false };
    throw error;
  }
  return { outcome: 'code_sent' };
}

/** Sends another code for this attempt: the SMS method's, or the lost-device one once unlocked. */
export async function resendSignInCode(ctx: ServiceContext, input: { attemptToken: unknown; lostDevice: boolean }, meta: RequestMeta): Promise<void> {
  const pending = await findPendingSignIn(ctx, input.attemptToken);
  if (!pending) throw new TwofoldError('sign_in_attempt_expired');
  const user = await findUserById(ctx.db, pending.userId);
  if (!user?.mobile) throw new TwofoldError('no_mobile_on_account');
  if (input.lostDevice ? !pending.recoveryUnlocked : pending.method !== 'sms') throw new TwofoldError('sign_in_attempt_expired');
  await sendSmsCode(ctx, { userId: user.id, mobile: user.mobile, purpose: input.lostDevice ? 'recovery' : 'sign_in', attemptId: pending.attemptId }, meta);
}

/** Compares in constant time over fixed-length digests: the reply time does not depend on the digits. */
function lastFourMatches(typed: unknown, expected: string): boolean {
  const cleaned = typeof typed === 'string' && typed.length <= 16 ? typed.replace(/ /g, '') : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const same = timingSafeEqual(digest(cleaned), digest(expected));
  return same && /^[0-9]{4}$/.test(cleaned);
}
