// SMS one-time codes. Unlike the article's, ours have nothing to do with the
// authenticator's clock: a fresh random code per message, so the first code works.

export const SMS_CODE_LIFETIME_IN_MS = 10 * 60_000;
/** Tries per sent code, the right one included; then the code is void. */
export const MAX_TRIES_PER_SMS_CODE = 5;
/** "Send a new code" waits this long after the last one. */
export const SMS_RESEND_WAIT_IN_MS = 30_000;
/** Wrong "last 4 digits" answers per sign-in attempt on the lost-device path. */
export const MAX_LAST_FOUR_TRIES_PER_ATTEMPT = 5;

/** Six uniformly random digits; `randomIntBelow` is crypto.randomInt in production. */
export function generateSmsCode(randomIntBelow: (max: number) => number): string {
  return String(randomIntBelow(1_000_000)).padStart(6, '0');
}

/**
 * Short and safe: the code, the product, the lifetime, and never a link (a link in a
 * code SMS is what phishing messages look like; people should never learn to tap one).
 */
export function smsCodeMessage(code: string): string {
  return `${code} is your Twofold code. It is valid for 10 minutes. Never share it: Twofold will never ask you for it.`;
}

export function twoFactorResetMessage(aggregatorName: string): string {
  return `Twofold: your two-factor authentication was reset by ${aggregatorName}. If you did not ask for this, contact them now.`;
}

/**
 * 'enroll': proving the number for SMS 2FA; 'sign_in': the SMS method's code;
 * 'recovery': "Lost your two-factor device"; 'backup': proving a number added while 2FA
 * is on (its attempt_id is the session that re-proved the password and second factor).
 */
export type SmsPurpose = 'enroll' | 'sign_in' | 'recovery' | 'backup';
