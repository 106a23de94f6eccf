// How someone signed in, in the words of RFC 8176 (Authentication Method Reference
// Values), so an app can tell a password alone from a password and a second factor.

/**
 * `pwd` password · `otp` one-time code (authenticator app, recovery code) · `sms` code by
 * text · `hwk` a key bound to one device (security key) · `swk` a synced passkey ·
 * `mfa` more than one factor.
 */
export type AuthMethod = 'pwd' | 'otp' | 'sms' | 'hwk' | 'swk' | 'mfa';

const KNOWN: ReadonlySet<string> = new Set<AuthMethod>(['pwd', 'otp', 'sms', 'hwk', 'swk', 'mfa']);

/** The values an app may ask for in `acr_values`, and what `acr` says of a session. */
export const ACR_ONE_FACTOR = 'urn:twofold:acr:1fa';
export const ACR_TWO_FACTORS = 'urn:twofold:acr:2fa';
export const ACR_VALUES = [ACR_ONE_FACTOR, ACR_TWO_FACTORS] as const;

/**
 * The methods of a sign-in, `mfa` added when two factors were used. A passkey signs in
 * alone yet counts as two: the key is something you have, and Twofold asks the
 * authenticator to verify the person (PIN or biometrics) before it answers.
 */
export function authMethodsOf(factors: readonly Exclude<AuthMethod, 'mfa'>[], options: { userVerified?: boolean } = {}): AuthMethod[] {
  const unique = [...new Set(factors)];
  const keyWithVerification = options.userVerified === true && unique.some((m) => m === 'hwk' || m === 'swk');
  return unique.length >= 2 || keyWithVerification ? [...unique, 'mfa'] : unique;
}

/** The method a passkey counts as: synced (multi-device) or bound to one authenticator. */
export function passkeyMethodOf(deviceType: string): 'hwk' | 'swk' {
  return deviceType === 'multiDevice' ? 'swk' : 'hwk';
}

export function formatAuthMethods(methods: readonly AuthMethod[]): string {
  return methods.join(' ');
}

/** Unknown words are dropped: the column is ours, but a value is never trusted blindly. */
export function parseAuthMethods(stored: string | null | undefined): AuthMethod[] {
  if (!stored) return ['pwd'];
  const methods = stored.split(' ').filter((m): m is AuthMethod => KNOWN.has(m));
  return methods.length > 0 ? methods : ['pwd'];
}

export function usedTwoFactors(methods: readonly AuthMethod[]): boolean {
  return methods.includes('mfa');
}

export function acrOf(methods: readonly AuthMethod[]): string {
  return usedTwoFactors(methods) ? ACR_TWO_FACTORS : ACR_ONE_FACTOR;
}
