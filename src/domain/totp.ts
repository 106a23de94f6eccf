// RFC 6238 time-based one-time passwords, as the authenticator apps the article
// recommends (Google Authenticator and friends) compute them: SHA-1, 6 digits, 30 s.
// The arithmetic lives in otpauth; this module holds Twofold's rules around it:
// how much clock drift we forgive, and that a code is never accepted twice.
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_IN_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side: a phone clock up to ~30 s off still works; never more. */
export const TOTP_ALLOWED_DRIFT_STEPS = 1;
/** 160 bits, the HMAC-SHA-1 block size RFC 4226 recommends. */
export const TOTP_SECRET_SIZE_IN_BYTES = 20;

export type TotpCheck =
  | { valid: true; step: number }
  | { valid: false; reason: 'wrong_code' | 'already_used' };

export function totpStepAt(timeInMs: number, periodInSeconds = TOTP_PERIOD_IN_SECONDS): number {
  return Math.floor(timeInMs / 1000 / periodInSeconds);
}

/**
 * Checks a 6-digit code against a secret at a given time.
 * `lastUsedStep` is the step of the last code this user got in with: a code for that
 * step or an earlier one is refused as already used (the database repeats this check
 * atomically; see store/two-factor.ts). A wrong code returns `{ valid: false }`;
 * misuse (an empty secret, a bad clock) throws TypeError.
 */
export function checkTotpCode(args: {
  secret: Uint8Array;
  code: string;
  timeInMs: number;
  lastUsedStep: number | null;
  digits?: number;
  periodInSeconds?: number;
}): TotpCheck {
  const digits = args.digits ?? TOTP_DIGITS;
  const periodInSeconds = args.periodInSeconds ?? TOTP_PERIOD_IN_SECONDS;
  if (args.secret.length === 0) throw new TypeError('TOTP secret is empty');
  if (!Number.isFinite(args.timeInMs) || args.timeInMs < 0) throw new TypeError('timeInMs must be a time');
  const delta = TOTP.validate({
    token: args.code,
    secret: secretOf(args.secret),
    algorithm: 'SHA1',
    digits,
    period: periodInSeconds,
    timestamp: args.timeInMs,
    window: TOTP_ALLOWED_DRIFT_STEPS,
  });
  if (delta === null) return { valid: false, reason: 'wrong_code' };
  const step = totpStepAt(args.timeInMs, periodInSeconds) + delta;
  if (args.lastUsedStep !== null && step <= args.lastUsedStep) return { valid: false, reason: 'already_used' };
  return { valid: true, step };
}

/** The code an authenticator shows at `timeInMs` (used by tests and the bench). */
export function generateTotpCode(args: { secret: Uint8Array; timeInMs: number; digits?: number; periodInSeconds?: number }): string {
  return TOTP.generate({
    secret: secretOf(args.secret),
    algorithm: 'SHA1',
    digits: args.digits ?? TOTP_DIGITS,
    period: args.periodInSeconds ?? TOTP_PERIOD_IN_SECONDS,
    timestamp: args.timeInMs,
  });
}

/** Google's Key URI format, which every authenticator app scans from the QR code. */
export function totpKeyUri(args: { secret: Uint8Array; issuer: string; accountName: string }): string {
  return new TOTP({
    issuer: args.issuer,
    label: args.accountName,
    secret: secretOf(args.secret),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_IN_SECONDS,
  }).toString();
}

export function secretToBase32(secret: Uint8Array): string {
  return secretOf(secret).base32;
}

export function secretFromBase32(base32: string): Uint8Array {
  return new Uint8Array(Secret.fromBase32(base32).bytes);
}

/** Groups of four for typing by hand: "JBSW Y3DP EHPK 3PXP". */
export function formatSecretForManualEntry(secret: Uint8Array): string {
  return secretToBase32(secret).replace(/(.{4})/g, '$1 ').trim();
}

function secretOf(bytes: Uint8Array): Secret {
  return new Secret({ buffer: bytes.slice().buffer });
}
