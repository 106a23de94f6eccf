// What every step of signing in answers: how it went, or a refusal with the sentence to
// show and whether the attempt is over (the password must be typed again). One shape for
// the password step, the code step, the lost-device step and "Send a new code".
import { type ErrorCode, TwofoldError, isRefusal } from '../../errors.js';
import type { RequestMeta } from '../context.js';
import { formatSydneyTime } from '../../domain/time.js';

/** `email`: when the attempt is over, the address typed for it, so the sign-in page can keep it. */
export type Refused = { outcome: 'refused'; error: TwofoldError; restart: boolean; email?: string };

export function refused(error: TwofoldError | ErrorCode, options: { restart?: boolean; email?: string } = {}): Refused {
  return { outcome: 'refused', error: typeof error === 'string' ? new TwofoldError(error) : error, restart: options.restart ?? false, ...(options.email ? { email: options.email } : {}) };
}

/** The attempt is over: the person starts again with their password. */
export const attemptExpired = (): Refused => refused('sign_in_attempt_expired', { restart: true });

/** A refusal from sending (limits, the provider), or null once sent. Anything else is thrown on. */
export async function sendingFails(send: () => Promise<void>): Promise<TwofoldError | null> {
  try {
    await send();
    return null;
  } catch (error) {
    if (isRefusal(error)) return error;
    throw error;
  }
}

export const minutesFrom = (ms: number): number => Math.max(1, Math.ceil(ms / 60_000));

/** Who asked, as the security log records it (a user agent is cut to 256 characters). */
export const metaOf = (meta: RequestMeta) => ({ ip: meta.ip, userAgent: meta.userAgent.slice(0, 256) });

/** Code entry is paused for the account until `lockedUntil`: the sentence says until when. */
export function codeStepPaused(lockedUntil: number, nowMs: number): Refused {
  return refused(new TwofoldError('code_step_locked', { minutes: minutesFrom(lockedUntil - nowMs), until: formatSydneyTime(lockedUntil) }));
}
