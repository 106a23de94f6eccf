// Every number that bounds an attacker, in one place, with its reason.
// The store enforces them atomically; these are only the figures and the arithmetic.

const MINUTE_IN_MS = 60_000;
const HOUR_IN_MS = 60 * MINUTE_IN_MS;

/** Wrong codes allowed in one sign-in attempt before the password must be typed again. */
export const MAX_CODE_TRIES_PER_SIGN_IN_ATTEMPT = 5;

/** The half-way state between the password and the code lasts this long. */
export const SIGN_IN_ATTEMPT_LIFETIME_IN_MS = 10 * MINUTE_IN_MS;

/** A pending authenticator enrolment (secret shown, not yet confirmed) lasts this long. */
export const TOTP_ENROLLMENT_LIFETIME_IN_MS = 30 * MINUTE_IN_MS;

/** The first-run setup link is valid this long; a restart prints a new one. */
export const SETUP_LINK_LIFETIME_IN_MS = 24 * HOUR_IN_MS;

/**
 * Consecutive wrong second-factor codes per account (across attempts, browsers and
 * nodes). Every `CODE_FAILURES_PER_LOCK` failures lock the code step, for a period that
 * doubles each time up to a day. NIST SP 800-63B asks for no more than 100 failures
 * before such a lock; we lock after 10.
 */
export const CODE_FAILURES_PER_LOCK = 10;
const FIRST_CODE_LOCK_IN_MS = 15 * MINUTE_IN_MS;
const LONGEST_CODE_LOCK_IN_MS = 24 * HOUR_IN_MS;

export function codeLockDurationInMs(consecutiveFailures: number): number {
  if (consecutiveFailures < CODE_FAILURES_PER_LOCK || consecutiveFailures % CODE_FAILURES_PER_LOCK !== 0) return 0;
  const lockNumber = consecutiveFailures / CODE_FAILURES_PER_LOCK;
  return Math.min(FIRST_CODE_LOCK_IN_MS * 2 ** (lockNumber - 1), LONGEST_CODE_LOCK_IN_MS);
}

/**
 * The same schedule as a table, for a database to apply in one statement: each count at
 * which a lock starts with its length, until the longest lock; from there every
 * `every`-th failure locks for `longestInMs`.
 */
export function codeLockSchedule(): { points: Array<{ count: number; lockInMs: number }>; every: number; longestInMs: number } {
  const points: Array<{ count: number; lockInMs: number }> = [];
  for (let count = CODE_FAILURES_PER_LOCK; ; count += CODE_FAILURES_PER_LOCK) {
    const lockInMs = codeLockDurationInMs(count);
    if (lockInMs >= LONGEST_CODE_LOCK_IN_MS) break;
    points.push({ count, lockInMs });
  }
  return { points, every: CODE_FAILURES_PER_LOCK, longestInMs: LONGEST_CODE_LOCK_IN_MS };
}

/** A fixed-window counter: at most `max` events per `windowInMs` for one key. */
export interface WindowRule {
  name: string;
  max: number;
  windowInMs: number;
}

/**
 * Password tries per typed email, whether or not the account exists (so the answer
 * reveals nothing): credential stuffing against one account stops quickly.
 */
export const PASSWORD_TRIES_PER_EMAIL: WindowRule = { name: 'password-email', max: 10, windowInMs: 15 * MINUTE_IN_MS };
/**
 * Wrong passwords typed again inside one signed-in session (changing the password,
 * removing 2FA, an admin's reset). A stolen session must not become a way to find the
 * password: after this many the session ends and the person is told by email.
 */
export const PASSWORD_REENTRY_FAILURES_PER_SESSION: WindowRule = { name: 'password-reentry-session', max: 5, windowInMs: 12 * HOUR_IN_MS };
/** Wrong passwords per client IP: one office behind one NAT still signs in at 9 a.m. */
export const PASSWORD_FAILURES_PER_IP: WindowRule = { name: 'password-ip', max: 100, windowInMs: 15 * MINUTE_IN_MS };

/**
 * SMS cost real money (SMS pumping fraud sends thousands to premium numbers), so
 * every send counts against the account, the destination number and the client IP.
 */
export const SMS_PER_ACCOUNT_PER_HOUR: WindowRule = { name: 'sms-account-hour', max: 5, windowInMs: HOUR_IN_MS };
export const SMS_PER_ACCOUNT_PER_DAY: WindowRule = { name: 'sms-account-day', max: 15, windowInMs: 24 * HOUR_IN_MS };
export const SMS_PER_NUMBER_PER_HOUR: WindowRule = { name: 'sms-number-hour', max: 5, windowInMs: HOUR_IN_MS };
export const SMS_PER_NUMBER_PER_DAY: WindowRule = { name: 'sms-number-day', max: 15, windowInMs: 24 * HOUR_IN_MS };
export const SMS_PER_IP_PER_HOUR: WindowRule = { name: 'sms-ip-hour', max: 20, windowInMs: HOUR_IN_MS };
export const SMS_PER_IP_PER_DAY: WindowRule = { name: 'sms-ip-day', max: 60, windowInMs: 24 * HOUR_IN_MS };

/**
 * "Last 4 digits" answers per account, across sign-in attempts: with the password known,
 * attempts are free, and 10,000 answers are few. A right answer is given back.
 */
export const LAST_FOUR_TRIES_PER_ACCOUNT: WindowRule = { name: 'last-four-account', max: 10, windowInMs: 24 * HOUR_IN_MS };

/** "Forgot your password?" per client IP: an address cannot mail-bomb many accounts. */
export const FORGOT_PASSWORD_PER_IP: WindowRule = { name: 'forgot-password-ip', max: 20, windowInMs: HOUR_IN_MS };

/** A reset is the most dangerous action there is: a burst of them is an incident, not a workday. */
export const ADMIN_RESETS_PER_HOUR: WindowRule = { name: 'admin-resets-hour', max: 10, windowInMs: HOUR_IN_MS };

/**
 * An unlock gives whoever is guessing codes a fresh run of tries, so a burst of unlocks
 * from one admin is as suspect as a burst of resets.
 */
export const ADMIN_UNLOCKS_PER_HOUR: WindowRule = { name: 'admin-unlocks-hour', max: 10, windowInMs: HOUR_IN_MS };
/**
 * Invitations per admin: enough for onboarding a firm in an afternoon. An email that has
 * an account anywhere cannot be invited (emails are unique), so each attempt answers
 * whether one exists: this bounds how fast an admin could probe other aggregators.
 */
export const ADMIN_INVITES_PER_HOUR: WindowRule = { name: 'admin-invites-hour', max: 60, windowInMs: HOUR_IN_MS };

/** The longest window of any rule: a counter older than this can be deleted. */
export const MAX_WINDOW_IN_MS = 24 * HOUR_IN_MS;

export interface WindowState {
  windowStartedAtMs: number;
  count: number;
}

/** The counter after one more event at `nowMs`; a window that has ended starts afresh. */
export function countEventInWindow(state: WindowState | null, nowMs: number, rule: WindowRule): WindowState {
  if (state === null || nowMs - state.windowStartedAtMs >= rule.windowInMs) return { windowStartedAtMs: nowMs, count: 1 };
  return { windowStartedAtMs: state.windowStartedAtMs, count: state.count + 1 };
}

export function isWindowExhausted(state: WindowState | null, nowMs: number, rule: WindowRule): boolean {
  if (state === null || nowMs - state.windowStartedAtMs >= rule.windowInMs) return false;
  return state.count >= rule.max;
}

export function windowRetryAfterInMs(state: WindowState, nowMs: number, rule: WindowRule): number {
  return Math.max(0, state.windowStartedAtMs + rule.windowInMs - nowMs);
}
