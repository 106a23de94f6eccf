// "Lost your two-factor device": the last 4 digits of the mobile number on the account,
// then a code by SMS to that number (the code step checks it, with lostDevice).
import { createHash, timingSafeEqual } from 'node:crypto';
import { LAST_FOUR_TRIES_PER_ACCOUNT } from '../../domain/limits.js';
import { lastFourDigits } from '../../domain/phone.js';
import { MAX_LAST_FOUR_TRIES_PER_ATTEMPT } from '../../domain/sms.js';
import { appendSecurityEvent } from '../../store/security-events.js';
import { consumeSignInAttempt, takeAttemptTry, unlockRecovery } from '../../store/sign-in-attempts.js';
import { countInWindow, giveBackToWindow } from '../../store/throttles.js';
import type { RequestMeta, ServiceContext } from '../context.js';
import { sendSmsCode } from '../sms-codes.js';
import { type Refused, attemptExpired, codeStepPaused, metaOf, refused, sendingFails } from './outcome.js';
import { loadPendingSignIn } from './pending.js';

export type LastFourOutcome = { outcome: 'code_sent' } | Refused;

/**
 * "Lost your two-factor device": the last 4 digits of the mobile number on the
 * account, then a code by SMS to that number. Reachable only with a live attempt,
 * that is, by someone who typed the right password in this browser minutes ago.
 */
export async function requestLostDeviceCode(ctx: ServiceContext, input: { attemptToken: unknown; lastFour: unknown }, meta: RequestMeta): Promise<LastFourOutcome> {
  const loaded = await loadPendingSignIn(ctx, input.attemptToken);
  if (!loaded) return attemptExpired();
  const { pending, user } = loaded;
  const mobile = user.mobile;
  if (!mobile) return refused('no_mobile_on_account');
  const nowMs = ctx.now();
  // No text during a pause on code entry: its code could not be checked before the pause ends.
  if (pending.codeLockedUntil !== null) return codeStepPaused(pending.codeLockedUntil, nowMs);
  if (!(await takeAttemptTry(ctx.db, pending.attemptId, 'last_four_tries', MAX_LAST_FOUR_TRIES_PER_ATTEMPT, nowMs))) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return refused('last_four_tries_exhausted', { restart: true, email: pending.email });
  }
  // Counted per account before comparing (and given back if right): attempts are free to
  // whoever has the password, so a per-attempt bound alone would not bound the guessing.
  const accountWindow = await countInWindow(ctx.db, LAST_FOUR_TRIES_PER_ACCOUNT, user.id, nowMs);
  if (accountWindow.count > LAST_FOUR_TRIES_PER_ACCOUNT.max) {
    await consumeSignInAttempt(ctx.db, pending.attemptId);
    return refused('last_four_tries_exhausted', { restart: true, email: pending.email });
  }
  if (!lastFourMatches(input.lastFour, lastFourDigits(mobile))) {
    await appendSecurityEvent(ctx.db, { type: 'last_four_failed', userId: user.id, ...metaOf(meta), atMs: nowMs });
    if (pending.lastFourTriesLeft <= 1) {
      await consumeSignInAttempt(ctx.db, pending.attemptId);
      return refused('last_four_tries_exhausted', { restart: true, email: pending.email });
    }
    return refused('last_four_wrong');
  }
  await giveBackToWindow(ctx.db, LAST_FOUR_TRIES_PER_ACCOUNT, user.id, accountWindow);
  await unlockRecovery(ctx.db, pending.attemptId);
  const failure = await sendingFails(() => sendSmsCode(ctx, { userId: user.id, mobile, purpose: 'recovery', attemptId: pending.attemptId }, meta));
  return failure ? refused(failure) : { outcome: 'code_sent' };
}

/** Compares in constant time over fixed-length digests: the reply time does not depend on the digits. */
function lastFourMatches(typed: unknown, expected: string): boolean {
  const cleaned = typeof typed === 'string' && typed.length <= 16 ? typed.replace(/ /g, '') : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const same = timingSafeEqual(digest(cleaned), digest(expected));
  return same && /^[0-9]{4}$/.test(cleaned);
}
