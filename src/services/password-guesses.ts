// Every typed password is a guess until argon2 says otherwise, wherever it is typed:
// the sign-in page, or a signed-in page that asks for it again (changing the password,
// removing 2FA, an admin's reset). Each guess counts against the account's window and
// the client address's window before it is checked, so parallel guesses cannot all pass
// a limit that was read before any of them was counted. A right password gives its
// reservation back.
import { PASSWORD_FAILURES_PER_IP, PASSWORD_REENTRY_FAILURES_PER_SESSION, PASSWORD_TRIES_PER_EMAIL, type WindowState, windowRetryAfterInMs } from '../domain/limits.js';
import { MAX_PASSWORD_LENGTH } from '../domain/passwords.js';
import { type ErrorCode, TwofoldError } from '../errors.js';
import { appendSecurityEvent } from '../store/security-events.js';
import { deleteSession } from '../store/sessions.js';
import { countInWindow, giveBackToWindow, resetWindow } from '../store/throttles.js';
import type { RequestMeta, ServiceContext } from './context.js';
import { notifySecurityChange } from './notifications.js';
import { inTransaction } from './transaction.js';

export interface PasswordGuess {
  email: string;
  ip: string;
  ipWindow: WindowState;
  emailWindow: WindowState;
}

const minutesFrom = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/** Counts one guess for `email` from `ip`, or returns the limit's refusal (nothing is then checked). */
export async function reservePasswordGuess(ctx: ServiceContext, email: string, ip: string, nowMs: number): Promise<PasswordGuess | { refused: TwofoldError }> {
  const ipWindow = await countInWindow(ctx.db, PASSWORD_FAILURES_PER_IP, ip, nowMs);
  if (ipWindow.count > PASSWORD_FAILURES_PER_IP.max) {
    return { refused: new TwofoldError('too_many_failures_from_network', { minutes: minutesFrom(windowRetryAfterInMs(ipWindow, nowMs, PASSWORD_FAILURES_PER_IP)) }) };
  }
  // Keyed by the typed email whether or not an account exists: the answer reveals nothing.
  const emailWindow = await countInWindow(ctx.db, PASSWORD_TRIES_PER_EMAIL, email, nowMs);
  if (emailWindow.count > PASSWORD_TRIES_PER_EMAIL.max) {
    // Refused before any check: not a wrong password from this address.
    await giveBackToWindow(ctx.db, PASSWORD_FAILURES_PER_IP, ip, ipWindow);
    return { refused: new TwofoldError('password_tries_exhausted', { minutes: minutesFrom(windowRetryAfterInMs(emailWindow, nowMs, PASSWORD_TRIES_PER_EMAIL)) }) };
  }
  return { email, ip, ipWindow, emailWindow };
}

/**
 * The password was right. The address's window counts wrong passwords only, so its
 * reservation goes back; `clearAccountWindow` (a completed sign-in) clears the account's
 * window, otherwise (a re-entry) only this guess goes back.
 */
export async function settleRightPassword(ctx: ServiceContext, guess: PasswordGuess, options: { clearAccountWindow: boolean }): Promise<void> {
  // One commit for both: this runs on every sign-in.
  await inTransaction(ctx, async ({ db }) => {
    await giveBackToWindow(db, PASSWORD_FAILURES_PER_IP, guess.ip, guess.ipWindow);
    if (options.clearAccountWindow) await resetWindow(db, PASSWORD_TRIES_PER_EMAIL, guess.email);
    else await giveBackToWindow(db, PASSWORD_TRIES_PER_EMAIL, guess.email, guess.emailWindow);
  });
}

/**
 * A password typed again on a signed-in page. Counted like a sign-in guess (account and
 * address windows), and against the session that typed it, all before the check: the
 * PASSWORD_REENTRY_FAILURES_PER_SESSION-th wrong one ends the session, with an email to
 * the person, and guesses sent in parallel past that number are not checked at all.
 * Throws `wrong` (the page's own sentence) for a wrong password.
 */
export async function checkReenteredPassword(
  ctx: ServiceContext,
  user: { id: string; email: string; password_hash: string | null },
  typed: unknown,
  meta: RequestMeta,
  errors: { missing: ErrorCode; wrong: ErrorCode },
): Promise<void> {
  if (typeof typed !== 'string' || typed.length === 0) throw new TwofoldError(errors.missing);
  const nowMs = ctx.now();
  const rule = PASSWORD_REENTRY_FAILURES_PER_SESSION;
  // Reserved first: parallel guesses from one stolen session each take a number, and
  // those past the limit end the session unchecked.
  const sessionWindow = meta.sessionId === undefined ? null : await countInWindow(ctx.db, rule, meta.sessionId, nowMs);
  if (sessionWindow && sessionWindow.count > rule.max) return endSessionForGuessing(ctx, user.id, meta, sessionWindow.count, nowMs);
  const guess = await reservePasswordGuess(ctx, user.email, meta.ip, nowMs);
  if ('refused' in guess) throw guess.refused;
  // Over-long is wrong without hashing: argon2 time is not the guesser's to choose.
  const right = user.password_hash !== null && typed.length <= MAX_PASSWORD_LENGTH && (await ctx.hasher.verify(user.password_hash, typed));
  if (right) {
    if (sessionWindow && meta.sessionId !== undefined) await giveBackToWindow(ctx.db, rule, meta.sessionId, sessionWindow);
    return settleRightPassword(ctx, guess, { clearAccountWindow: false });
  }
  await appendSecurityEvent(ctx.db, { type: 'password_reentry_failed', userId: user.id, ip: meta.ip, userAgent: meta.userAgent, atMs: nowMs });
  if (sessionWindow && sessionWindow.count >= rule.max) return endSessionForGuessing(ctx, user.id, meta, sessionWindow.count, nowMs);
  throw new TwofoldError(errors.wrong);
}

async function endSessionForGuessing(ctx: ServiceContext, userId: string, meta: RequestMeta, guesses: number, nowMs: number): Promise<never> {
  // Whichever guess deletes the session tells of it, once.
  if (meta.sessionId !== undefined && (await deleteSession(ctx.db, meta.sessionId))) {
    await appendSecurityEvent(ctx.db, {
      type: 'signed_out_after_wrong_passwords',
      userId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: `${guesses} passwords typed again in one session`,
      atMs: nowMs,
    });
    await notifySecurityChange(ctx, userId, 'signed_out_after_wrong_passwords', meta);
  }
  throw new TwofoldError('signed_out_after_wrong_passwords');
}
