// TEST ONLY: named places where the crash-safety test (test/integration/crash-safety.test.ts)
// may have the server SIGKILL itself, through TWOFOLD_TEST_CRASH_AT=<point>[:<n>] (refused
// with NODE_ENV=production). Unset, which is always so in production, nothing happens at
// them. Each sits half-way through a change that must be whole or not at all, so a missing
// transaction shows up as a half-done change after the restart.
export const CRASH_POINTS = [
  /** turnOnTwoFactor: the factor row is written; the event, the notice and ending the other sessions are not */
  'two-factor-on',
  /** setPasswordFromLink: the new password is written; ending every session is not */
  'password-reset',
  /** the email worker: the mail server said 250 OK; the message is not marked sent */
  'email-sent',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CrashAt {
  point: CrashPoint;
  /** crash the n-th time the point is reached (1 = the first) */
  nth: number;
}

/** `two-factor-on` or `two-factor-on:3`; null when it is not one. */
export function parseCrashAt(raw: string): CrashAt | null {
  const match = /^([a-z-]+)(?::([1-9]\d{0,5}))?$/.exec(raw);
  const point = CRASH_POINTS.find((p) => p === match?.[1]);
  if (!match || !point) return null;
  return { point, nth: Number(match[2] ?? 1) };
}
