// Signing in: the password step, then (with 2FA on) the code step.
// Between the two there is no session, only a sign-in attempt: a row bound to the
// user who passed the password step, reachable through a token cookie held by that
// browser alone, expiring in minutes, with a fixed number of code tries.
import { generateToken, hashToken, isWellFormedToken } from '../crypto/tokens.js';
import { normalizeEmail } from '../domain/accounts.js';
import { normalizeTypedCode } from '../domain/codes.js';
import {
  MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT,
  PASSWORD_FAILURES_PER_IP,
  PASSWORD_TRIES_PER_EMAIL,
  SIGN_IN_ATTEMPT_LIFETIME_IN_MS,
  codeLockDurationInMs,
  isWindowExhausted,
  windowRetryAfterInMs,
} from '../domain/limits.js';
import { MAX_PASSWORD_LENGTH } from '../domain/passwords.js';
import { checkTotpCode } from '../domain/totp.js';
import { TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { consumeSignInAttempt, findSignInAttempt, insertSignInAttempt, takeCodeTry } from '../store/sign-in-attempts.js';
import { countInWindow, readWindow, resetWindow } from '../store/throttles.js';
import { claimTotpStep, findTwoFactor } from '../store/two-factor.js';
import { clearCodeFailures, countCodeFailure, findUserByEmail, findUserById, lockCodeStep, updatePasswordHash } from '../store/users.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { type RememberedDeviceNote, checkRememberedDevice, rememberThisDevice } from './remembered-devices.js';
import { createSession } from './sessions.js';
import { openTotpSecret } from './two-factor.js';

export type PasswordStepOutcome =
  | { outcome: 'signed_in'; sessionToken: string; viaRememberedDevice: boolean }
  | { outcome: 'code_required'; attemptToken: string }
  | { outcome: 'refused'; error: TwofoldError };

const minutesFrom = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

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
  const ipWindow = await readWindow(ctx.db, PASSWORD_FAILURES_PER_IP, meta.ip);
  if (ipWindow && isWindowExhausted(ipWindow, nowMs, PASSWORD_FAILURES_PER_IP)) {
    return refuse(new TwofoldError('too_many_failures_from_network', { minutes: minutesFrom(windowRetryAfterInMs(ipWindow, nowMs, PASSWORD_FAILURES_PER_IP)) }));
  }
  // Counted before the check, so parallel guesses cannot slip past the bound.
  // Keyed by the typed email whether or not an account exists: the answer reveals nothing.
  const emailWindow = await countInWindow(ctx.db, PASSWORD_TRIES_PER_EMAIL, email, nowMs);
  if (emailWindow.count > PASSWORD_TRIES_PER_EMAIL.max) {
    return refuse(new TwofoldError('password_tries_exhausted', { minutes: minutesFrom(windowRetryAfterInMs(emailWindow, nowMs, PASSWORD_TRIES_PER_EMAIL)) }));
  }

  const user = await findUserByEmail(ctx.db, email);
  const passwordIsRight = user?.password_hash ? await ctx.hasher.verify(user.password_hash, password) : await ctx.hasher.verifyAgainstNothing(password);
  if (!user || !user.password_hash || !passwordIsRight) {
    await countInWindow(ctx.db, PASSWORD_FAILURES_PER_IP, meta.ip, nowMs);
    if (user) await appendSecurityEvent(ctx.db, { type: 'password_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
    return refuse(new TwofoldError('invalid_credentials'));
  }

  await resetWindow(ctx.db, PASSWORD_TRIES_PER_EMAIL, email);
  if (ctx.hasher.needsRehash(user.password_hash)) await updatePasswordHash(ctx.db, user.id, await ctx.hasher.hash(password), null);

  const twoFactor = await findTwoFactor(ctx.db, user.id);
  if (!twoFactor) {
    const sessionToken = await createSession(ctx, user.id, meta);
    await appendSecurityEvent(ctx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password', atMs: nowMs });
    return { outcome: 'signed_in', sessionToken, viaRememberedDevice: false };
  }

  const device = await checkRememberedDevice(ctx, user.id, input.rememberedDeviceToken, meta);
  if (device.trusted) {
    const sessionToken = await createSession(ctx, user.id, meta);
    await appendSecurityEvent(ctx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password and remembered device', atMs: nowMs });
    return { outcome: 'signed_in', sessionToken, viaRememberedDevice: true };
  }

  const attemptToken = generateToken();
  await insertSignInAttempt(ctx.db, {
    id: hashToken(attemptToken),
    user_id: user.id,
    created_at: nowMs,
    expires_at: nowMs + SIGN_IN_ATTEMPT_LIFETIME_IN_MS,
    ip: meta.ip,
    user_agent: meta.userAgent.slice(0, 256),
    remembered_device_note: device.note,
  });
  return { outcome: 'code_required', attemptToken };
}

export interface PendingSignIn {
  attemptId: string;
  userId: string;
  email: string;
  triesLeft: number;
  rememberedDeviceNote: RememberedDeviceNote | null;
}

/** The sign-in attempt behind a cookie, if it is still live. */
export async function findPendingSignIn(ctx: ServiceContext, attemptToken: unknown): Promise<PendingSignIn | null> {
  if (!isWellFormedToken(attemptToken)) return null;
  const attempt = await findSignInAttempt(ctx.db, hashToken(attemptToken));
  if (!attempt || attempt.expires_at <= ctx.now() || attempt.code_tries >= MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT) return null;
  const user = await findUserById(ctx.db, attempt.user_id);
  if (!user) return null;
  return {
    attemptId: attempt.id,
    userId: user.id,
    email: user.email,
    triesLeft: MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT - attempt.code_tries,
    rememberedDeviceNote: attempt.remembered_device_note as RememberedDeviceNote | null,
  };
}

export type CodeStepOutcome =
  /** `rememberedDeviceToken`: set when the person ticked "Remember this device for 30 days" */
  | { outcome: 'signed_in'; sessionToken: string; userId: string; rememberedDeviceToken: string | null }
  /** `restart`: the attempt is over, the password must be typed again */
  | { outcome: 'refused'; error: TwofoldError; restart: boolean };

export async function completeSignInWithTotp(
  ctx: ServiceContext,
  input: { attemptToken: unknown; code: unknown; rememberDevice?: boolean },
  meta: RequestMeta,
): Promise<CodeStepOutcome> {
  const pending = await findPendingSignIn(ctx, input.attemptToken);
  if (!pending) return { outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true };
  const user = await findUserById(ctx.db, pending.userId);
  const twoFactor = await findTwoFactor(ctx.db, pending.userId);
  if (!user || !twoFactor) return { outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true };

  const nowMs = ctx.now();
  if (user.code_locked_until !== null && user.code_locked_until > nowMs) {
    return { outcome: 'refused', error: new TwofoldError('code_step_locked', { minutes: minutesFrom(user.code_locked_until - nowMs) }), restart: false };
  }
  if (!(await takeCodeTry(ctx.db, pending.attemptId, MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT, nowMs))) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('code_tries_exhausted'), restart: true };
  }

  const code = normalizeTypedCode(input.code);
  const check = code === null ? ({ valid: false, reason: 'wrong_code' } as const) : checkTotpCode({ secret: openTotpSecret(ctx, user.id, twoFactor.totp_secret), code, timeInMs: nowMs, lastUsedStep: twoFactor.last_used_step });

  if (check.valid && (await claimTotpStep(ctx.db, user.id, check.step))) {
    if (!(await consumeSignInAttempt(ctx.db, pending.attemptId))) {
      return { outcome: 'refused', error: new TwofoldError('sign_in_attempt_expired'), restart: true };
    }
    await clearCodeFailures(ctx.db, user.id);
    const sessionToken = await createSession(ctx, user.id, meta);
    await appendSecurityEvent(ctx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password and authenticator app', atMs: nowMs });
    const rememberedDeviceToken = input.rememberDevice ? await rememberThisDevice(ctx, user.id, meta) : null;
    return { outcome: 'signed_in', sessionToken, userId: user.id, rememberedDeviceToken };
  }

  // A valid code that lost the race for its step, or one already used, is a replay.
  const replayed = check.valid || (!check.valid && check.reason === 'already_used');
  await appendSecurityEvent(ctx.db, { type: replayed ? 'code_replayed' : 'code_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
  const failures = await countCodeFailure(ctx.db, user.id);
  const lockInMs = codeLockDurationInMs(failures);
  if (lockInMs > 0) {
    await lockCodeStep(ctx.db, user.id, nowMs + lockInMs);
    await appendSecurityEvent(ctx.db, { type: 'code_step_locked', userId: user.id, ...metaOf(meta), detail: `${failures} consecutive wrong codes`, atMs: nowMs });
  }
  if (pending.triesLeft <= 1) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return { outcome: 'refused', error: new TwofoldError('code_tries_exhausted'), restart: true };
  }
  return { outcome: 'refused', error: new TwofoldError(replayed ? 'code_already_used' : 'wrong_code'), restart: false };
}

function metaOf(meta: RequestMeta) {
  return { ip: meta.ip, userAgent: meta.userAgent.slice(0, 256) };
}
