// The code step: the second factor's code (or the lost-device SMS code), checked in one
// transaction with the try, the account's wrong-code count and the new session.
import { MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT, codeLockDurationInMs } from '../../domain/limits.js';
import { authMethodsOf } from '../../domain/auth-methods.js';
import { appendSecurityEvent } from '../../store/security-events.js';
import { consumeSignInAttempt, takeAttemptTry } from '../../store/sign-in-attempts.js';
import { clearCodeFailures, findUserById, reserveCodeGuess } from '../../store/users.js';
import type { RequestMeta, ServiceContext } from '../context.js';
import { notifySecurityChange } from '../notifications.js';
import { rememberThisDevice } from '../remembered-devices.js';
import { createSession } from '../sessions.js';
import { noticeSignInFromNewBrowser } from '../known-browsers.js';
import { sendSmsCode } from '../sms-codes.js';
import { inTransaction } from '../transaction.js';
import { type CodeRoute, verifierFor } from './factors.js';
import { recoveryCodesLeft as recoveryCodesLeftOf } from '../recovery-codes.js';
import { type Refused, attemptExpired, codeStepPaused, metaOf, refused, sendingFails } from './outcome.js';
import { type LoadedSignIn, loadPendingSignIn } from './pending.js';

export type SignedInByCode = Extract<CodeStepOutcome, { outcome: 'signed_in' }>;

export type CodeStepOutcome =
  /**
   * `rememberedDeviceToken`: set when the person ticked "Remember this device for 30 days";
   * `recoveryCodesLeft`: after a recovery code, how many are left (null otherwise).
   */
  | { outcome: 'signed_in'; sessionToken: string; userId: string; rememberedDeviceToken: string | null; recoveryCodesLeft: number | null; nextPath: string | null }
  | Refused;

/**
 * The code step: what was typed is checked by `via`: the person's second factor (the
 * authenticator code, or the SMS code of the SMS method), one of their recovery codes, or
 * the lost-device SMS code sent after the last 4 digits matched.
 */
export async function completeSignInWithCode(
  ctx: ServiceContext,
  input: { attemptToken: unknown; code: unknown; rememberDevice?: boolean; via?: CodeRoute },
  meta: RequestMeta,
): Promise<CodeStepOutcome> {
  const loaded = await loadPendingSignIn(ctx, input.attemptToken);
  if (!loaded) return attemptExpired();
  const { pending, user } = loaded;
  const via = input.via ?? 'second_factor';
  if (via === 'lost_device_sms' && !pending.recoveryUnlocked) return attemptExpired();

  const nowMs = ctx.now();
  // Paused: refused before anything is checked or counted, so even the right code
  // typed now is neither tried nor recorded as a wrong one.
  if (pending.codeLockedUntil !== null) return codeStepPaused(pending.codeLockedUntil, nowMs);
  // The whole check is one transaction: the try, the step claim and the session (or the
  // failure count) commit together, once. The conditional updates inside still decide
  // every race; the transaction only spares SQLite a commit per statement.
  const outcome = await inTransaction(ctx, (tx) => checkCodeAndSignIn(tx, loaded, { code: input.code, via }, meta, nowMs));
  if (outcome.outcome !== 'signed_in') return outcome;
  const rememberedDeviceToken = input.rememberDevice && via === 'second_factor' ? await rememberThisDevice(ctx, user.id, meta) : null;
  return { ...outcome, rememberedDeviceToken };
}

async function checkCodeAndSignIn(ctx: ServiceContext, loaded: LoadedSignIn, input: { code: unknown; via: CodeRoute }, meta: RequestMeta, nowMs: number): Promise<CodeStepOutcome> {
  const { pending, user, twoFactor } = loaded;
  if (!(await takeAttemptTry(ctx.db, pending.attemptId, 'code_tries', MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT, nowMs))) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return refused('code_tries_exhausted', { restart: true, email: pending.email });
  }
  // Counted as wrong (and the step locked at a lock point) before the check: the lock
  // read before this transaction may be stale when guesses arrive in parallel.
  const failures = await reserveCodeGuess(ctx.db, user.id, nowMs);
  if (failures === null) {
    // Paused by a parallel guess since the check above: refused unchecked and unrecorded too.
    const lockedUntil = (await findUserById(ctx.db, user.id))?.code_locked_until ?? nowMs;
    return codeStepPaused(lockedUntil, nowMs);
  }

  const verifier = verifierFor(twoFactor, input.via);
  const check = await verifier.check(ctx, { user, twoFactor, attemptId: pending.attemptId, typed: input.code, nowMs });

  if (check.valid) {
    // Right: the reserved failure (and a lock it may have started) goes away with the count.
    await clearCodeFailures(ctx.db, user.id);
    // Race prevented: two right codes on one attempt (a double submit) make one session.
    if (!(await consumeSignInAttempt(ctx.db, pending.attemptId))) return attemptExpired();
    const sessionToken = await createSession(ctx, user.id, meta, authMethodsOf(['pwd', check.method]));
    await appendSecurityEvent(ctx.db, { type: verifier.signedInEvent, userId: user.id, ...metaOf(meta), detail: verifier.how, atMs: nowMs });
    await noticeSignInFromNewBrowser(ctx, user.id, meta);
    const recoveryCodesLeft = input.via === 'recovery_code' ? await recoveryCodesLeftOf(ctx, user.id) : null;
    if (input.via === 'lost_device_sms') await notifySecurityChange(ctx, user.id, 'signed_in_lost_device', meta);
    if (recoveryCodesLeft !== null) await notifySecurityChange(ctx, user.id, 'recovery_code_used', meta, { left: recoveryCodesLeft });
    return { outcome: 'signed_in', sessionToken, userId: user.id, rememberedDeviceToken: null, recoveryCodesLeft, nextPath: pending.nextPath };
  }

  await appendSecurityEvent(ctx.db, { type: check.replayed ? 'code_replayed' : 'code_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
  if (codeLockDurationInMs(failures) > 0) {
    await appendSecurityEvent(ctx.db, { type: 'code_step_locked', userId: user.id, ...metaOf(meta), detail: `${failures} consecutive wrong codes`, atMs: nowMs });
    await notifySecurityChange(ctx, user.id, 'code_step_locked', meta);
  }
  if (pending.triesLeft <= 1 || check.codeDead) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return refused('code_tries_exhausted', { restart: true, email: pending.email });
  }
  return refused(check.error);
}

/** The refusal during a pause, saying for how long and until when. */
export type ResendOutcome = { outcome: 'code_sent' } | Refused;

/** "Send a new code" for this attempt: the SMS method's, or the lost-device one once unlocked. */
export async function resendSignInCode(ctx: ServiceContext, input: { attemptToken: unknown; lostDevice: boolean }, meta: RequestMeta): Promise<ResendOutcome> {
  const loaded = await loadPendingSignIn(ctx, input.attemptToken);
  if (!loaded) return attemptExpired();
  const { pending, user } = loaded;
  const mobile = user.mobile;
  if (!mobile) return refused('no_mobile_on_account');
  if (input.lostDevice ? !pending.recoveryUnlocked : pending.method !== 'sms') return attemptExpired();
  const failure = await sendingFails(() => sendSmsCode(ctx, { userId: user.id, mobile, purpose: input.lostDevice ? 'recovery' : 'sign_in', attemptId: pending.attemptId }, meta));
  return failure ? refused(failure) : { outcome: 'code_sent' };
}
