// The password step: the email and password, then a session (no 2FA, or a remembered
// device) or a sign-in attempt that waits for the second factor.
import { generateToken, hashToken } from '../../crypto/tokens.js';
import { normalizeEmail } from '../../domain/accounts.js';
import { SIGN_IN_ATTEMPT_LIFETIME_IN_MS } from '../../domain/limits.js';
import { MAX_PASSWORD_LENGTH } from '../../domain/passwords.js';
import { appendSecurityEvent } from '../../store/security-events.js';
import { insertSignInAttempt } from '../../store/sign-in-attempts.js';
import { inTransaction } from '../transaction.js';
import { findTwoFactor } from '../../store/two-factor.js';
import { findUserByEmail, updatePasswordHash } from '../../store/users.js';
import type { RequestMeta, ServiceContext } from '../context.js';
import { reservePasswordGuess, settleRightPassword } from '../password-guesses.js';
import { checkRememberedDevice } from '../remembered-devices.js';
import { createSession } from '../sessions.js';
import { noticeSignInFromNewBrowser } from '../known-browsers.js';
import { sendSmsCode } from '../sms-codes.js';
import { findPendingResetNotice } from '../two-factor-reset.js';
import { type Refused, metaOf, refused, sendingFails } from './outcome.js';

const MAX_NEXT_PATH_LENGTH = 2048;

export type PasswordStepOutcome =
  | { outcome: 'signed_in'; sessionToken: string; viaRememberedDevice: boolean; twoFactorWasReset?: boolean }
  | { outcome: 'code_required'; attemptToken: string }
  | Refused;

export async function signInWithPassword(
  ctx: ServiceContext,
  /** `nextPath`: where to go after the code step, already checked by the caller (a local path or an allowed URL) */
  input: { email: unknown; password: unknown; rememberedDeviceToken?: unknown; nextPath?: string | null },
  meta: RequestMeta,
): Promise<PasswordStepOutcome> {
  const email = normalizeEmail(input.email);
  if (email === null) return refused('email_invalid');
  if (typeof input.password !== 'string' || input.password.length === 0) return refused('password_missing');
  // Refused before hashing: argon2 time must not be the attacker's to choose.
  if (input.password.length > MAX_PASSWORD_LENGTH) return refused('invalid_credentials');
  const password = input.password;

  const nowMs = ctx.now();
  // Counted before the check (and given back if right), so parallel guesses cannot slip past either bound.
  const guess = await reservePasswordGuess(ctx, email, meta.ip, nowMs);
  if ('refused' in guess) return refused(guess.refused);

  const user = await findUserByEmail(ctx.db, email);
  const passwordIsRight = user?.password_hash ? await ctx.hasher.verify(user.password_hash, password) : await ctx.hasher.verifyAgainstNothing(password);
  if (!user || !user.password_hash || !passwordIsRight) {
    if (user) await appendSecurityEvent(ctx.db, { type: 'password_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
    return refused('invalid_credentials');
  }
  await settleRightPassword(ctx, guess, { clearAccountWindow: true });
  // After the right password only: a wrong one for a deactivated account was answered
  // above like any wrong password, so whether an account is deactivated is learnt only
  // by someone who knows its password.
  if (user.deactivated_at !== null) {
    await appendSecurityEvent(ctx.db, { type: 'sign_in_refused_deactivated', userId: user.id, ...metaOf(meta), detail: 'password', atMs: nowMs });
    return refused('account_deactivated');
  }

  if (ctx.hasher.needsRehash(user.password_hash)) await updatePasswordHash(ctx.db, user.id, await ctx.hasher.hash(password), null);

  const twoFactor = await findTwoFactor(ctx.db, user.id);
  if (!twoFactor) {
    const sessionToken = await inTransaction(ctx, async (tx) => {
      const token = await createSession(tx, user.id, meta, ['pwd']);
      await appendSecurityEvent(tx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password', atMs: nowMs });
      await noticeSignInFromNewBrowser(tx, user.id, meta);
      return token;
    });
    return { outcome: 'signed_in', sessionToken, viaRememberedDevice: false, twoFactorWasReset: (await findPendingResetNotice(ctx, user.id)) !== null };
  }
  const device = await checkRememberedDevice(ctx, user.id, input.rememberedDeviceToken, meta);
  if (device.trusted) {
    // The device stands in for the second factor it once passed; `amr` says only what
    // was proved now, so an app that asks for two factors still gets a code step.
    const sessionToken = await createSession(ctx, user.id, meta, ['pwd']);
    await appendSecurityEvent(ctx.db, { type: 'signed_in', userId: user.id, ...metaOf(meta), detail: 'password and remembered device', atMs: nowMs });
    await noticeSignInFromNewBrowser(ctx, user.id, meta, { remembered: true });
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
    next_path: input.nextPath && input.nextPath.length <= MAX_NEXT_PATH_LENGTH ? input.nextPath : null,
  });
  if (twoFactor.method === 'sms' && user.mobile) {
    // A failed send is not the end: the code page offers "Send a new code".
    const mobile = user.mobile;
    await sendingFails(() => sendSmsCode(ctx, { userId: user.id, mobile, purpose: 'sign_in', attemptId }, meta));
  }
  return { outcome: 'code_required', attemptToken };
}

