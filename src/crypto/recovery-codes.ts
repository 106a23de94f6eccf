// Recovery codes at rest: a per-code random salt and HMAC-SHA-256 under a key derived
// from TWOFOLD_SECRET (OWASP ASVS 4.0.3 2.6.2, 2.6.3). 80 random bits need no slow hash;
// the key means a copy of the database alone cannot test a single guess.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RECOVERY_CODE_SALT_SIZE_IN_BYTES = 16;

export function newRecoveryCodeSalt(): string {
  return randomBytes(RECOVERY_CODE_SALT_SIZE_IN_BYTES).toString('base64url');
}

/** `normalizedCode`: the 16 characters from normalizeRecoveryCode. */
export function hashRecoveryCode(key: Buffer, salt: string, normalizedCode: string): string {
  return createHmac('sha256', key).update(`${salt}:${normalizedCode}`).digest('hex');
}

export function recoveryCodeMatches(key: Buffer, row: { salt: string; code_hash: string }, normalizedCode: string): boolean {
  const expected = Buffer.from(row.code_hash, 'hex');
  const actual = Buffer.from(hashRecoveryCode(key, row.salt, normalizedCode), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
