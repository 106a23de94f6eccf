// The half-way state between the password and the code: a sign-in attempt, reachable
// only through the cookie of the browser that typed the right password, for minutes.
import { hashToken, isWellFormedToken } from '../../crypto/tokens.js';
import { MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT } from '../../domain/limits.js';
import { maskMobile } from '../../domain/phone.js';
import { MAX_LAST_FOUR_TRIES_PER_ATTEMPT } from '../../domain/sms.js';
import { findSignInAttempt } from '../../store/sign-in-attempts.js';
import { type TwoFactorRow, findTwoFactor } from '../../store/two-factor.js';
import { type UserRow, findUserById } from '../../store/users.js';
import type { ServiceContext } from '../context.js';
import type { TwoFactorMethod } from '../../store/schema.js';
import type { RememberedDeviceNote } from '../remembered-devices.js';

export interface PendingSignIn {
  attemptId: string;
  userId: string;
  email: string;
  method: TwoFactorMethod;
  /** "0412 ••• •••" (none of the last digits the lost-device question asks for), or null */
  maskedMobile: string | null;
  triesLeft: number;
  lastFourTriesLeft: number;
  recoveryUnlocked: boolean;
  rememberedDeviceNote: RememberedDeviceNote | null;
  /** when the account's code entry pause ends, if one is running now; read with the user row, no extra query */
  codeLockedUntil: number | null;
  /** where the person was going (checked by the web layer when the password was sent) */
  nextPath: string | null;
}

/** The sign-in attempt behind a cookie, if it is still live. */
export async function findPendingSignIn(ctx: ServiceContext, attemptToken: unknown): Promise<PendingSignIn | null> {
  return (await loadPendingSignIn(ctx, attemptToken))?.pending ?? null;
}

export async function loadPendingSignIn(ctx: ServiceContext, attemptToken: unknown): Promise<{ pending: PendingSignIn; user: UserRow; twoFactor: TwoFactorRow } | null> {
  if (!isWellFormedToken(attemptToken)) return null;
  const attempt = await findSignInAttempt(ctx.db, hashToken(attemptToken));
  const nowMs = ctx.now();
  if (!attempt || attempt.expires_at <= nowMs || attempt.code_tries >= MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT) return null;
  const user = await findUserById(ctx.db, attempt.user_id);
  const twoFactor = user ? await findTwoFactor(ctx.db, user.id) : undefined;
  // A deactivation deletes the person's attempts; one read just before it is dead all the same.
  if (!user || !twoFactor || user.deactivated_at !== null) return null;
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
    codeLockedUntil: user.code_locked_until !== null && user.code_locked_until > nowMs ? Number(user.code_locked_until) : null,
    nextPath: attempt.next_path,
  };
  return { pending, user, twoFactor };
}


export type LoadedSignIn = NonNullable<Awaited<ReturnType<typeof loadPendingSignIn>>>;
