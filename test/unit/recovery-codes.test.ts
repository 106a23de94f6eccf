// Recovery codes as written and as typed (property-based), and as stored: a keyed hash
// that a copy of the database alone cannot check a guess against.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodeSalt, recoveryCodeMatches } from '../../src/crypto/recovery-codes.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';
import { RECOVERY_CODE_COUNT, encodeRecoveryCode, generateRecoveryCodes, normalizeRecoveryCode } from '../../src/domain/recovery-codes.js';

const tenBytes = fc.uint8Array({ minLength: 10, maxLength: 10 });

describe('recovery codes as shown and as typed', () => {
  it('shows 80 bits as four groups of four Crockford base32 characters', () => {
    expect(encodeRecoveryCode(new Uint8Array(10))).toBe('0000-0000-0000-0000');
    expect(encodeRecoveryCode(new Uint8Array(10).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    fc.assert(fc.property(tenBytes, (bytes) => /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/.test(encodeRecoveryCode(bytes))));
  });

  it('different bytes give different codes (the encoding loses no bits)', () => {
    fc.assert(fc.property(tenBytes, tenBytes, (a, b) => (Buffer.from(a).equals(Buffer.from(b)) ? true : encodeRecoveryCode(a) !== encodeRecoveryCode(b))));
  });

  it('reads a code typed in any case, with or without dashes or spaces, and O, I, L as 0, 1, 1', () => {
    fc.assert(
      fc.property(tenBytes, fc.array(fc.constantFrom('', '-', ' ', '  '), { minLength: 15, maxLength: 15 }), fc.boolean(), (bytes, gaps, lower) => {
        const shown = encodeRecoveryCode(bytes);
        const compact = shown.replace(/-/g, '');
        let typed = '';
        for (const [i, char] of [...compact].entries()) typed += char + (gaps[i] ?? '');
        if (lower) typed = typed.toLowerCase();
        return normalizeRecoveryCode(typed) === compact && normalizeRecoveryCode(` ${shown} `) === compact;
      }),
    );
    expect(normalizeRecoveryCode('oooo-iiii-llll-0000')).toBe('0000111111110000');
  });

  it('refuses what cannot be a code, whatever comes in', () => {
    for (const bad of ['', 'ABCD-EFGH-JKMN-PQR', 'ABCD-EFGH-JKMN-PQRST', 'ABCD-EFGH-JKMN-PQRU', 'ÀBCD-EFGH-JKMN-PQRS', null, 12, ['ABCD-EFGH-JKMN-PQRS'], 'A'.repeat(100)]) {
      expect(normalizeRecoveryCode(bad)).toBeNull();
    }
    fc.assert(fc.property(fc.anything(), (input) => {
      const result = normalizeRecoveryCode(input);
      return result === null || /^[0-9A-HJKMNP-TV-Z]{16}$/.test(result);
    }));
  });

  it('makes ten different codes a set', () => {
    const codes = generateRecoveryCodes((size) => new Uint8Array(randomBytes(size)));
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
  });
});

describe('recovery codes at rest', () => {
  const key = deriveServerKeys('a test secret of enough length').recoveryCodes;
  const code = normalizeRecoveryCode('7K3M-Q9XD-2HPW-4RTV')!;

  it('stolen database row: its hash cannot be checked without the key from TWOFOLD_SECRET', () => {
    const salt = newRecoveryCodeSalt();
    const row = { salt, code_hash: hashRecoveryCode(key, salt, code) };
    expect(recoveryCodeMatches(key, row, code)).toBe(true);
    // The hash is an HMAC under the key over the salt and the code: nothing without the key reproduces it.
    expect(row.code_hash).toBe(createHmac('sha256', key).update(`${salt}:${code}`).digest('hex'));
    expect(row.code_hash).not.toBe(createHash('sha256').update(`${salt}:${code}`).digest('hex'));
    expect(row.code_hash).not.toBe(createHash('sha256').update(code).digest('hex'));
    const otherKey = deriveServerKeys('another secret of enough length').recoveryCodes;
    expect(recoveryCodeMatches(otherKey, row, code)).toBe(false);
  });

  it('the key is its own: not the SMS-code key nor the TOTP key', () => {
    const keys = deriveServerKeys('a test secret of enough length');
    expect(keys.recoveryCodes.equals(keys.smsCodes)).toBe(false);
    expect(keys.recoveryCodes.equals(keys.totpEncryption)).toBe(false);
  });

  it('salted per code: one code stored twice gives two different hashes', () => {
    const a = newRecoveryCodeSalt();
    const b = newRecoveryCodeSalt();
    expect(a).not.toBe(b);
    expect(hashRecoveryCode(key, a, code)).not.toBe(hashRecoveryCode(key, b, code));
    expect(recoveryCodeMatches(key, { salt: b, code_hash: hashRecoveryCode(key, a, code) }, code)).toBe(false);
  });
});
