import { describe, expect, it } from 'vitest';
import { checkTotpCode, generateTotpCode, formatSecretForManualEntry, secretFromBase32, totpKeyUri, totpStepAt } from '../../src/domain/totp.js';

// RFC 6238 Appendix B: SHA-1 seed "12345678901234567890", 8 digits, 30 s steps.
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_6238_SHA1_VECTORS: Array<[timeInSeconds: number, code: string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_6238_SHA1_VECTORS)('at T=%i s the code is %s', (timeInSeconds, code) => {
    expect(generateTotpCode({ secret: RFC_SEED, timeInMs: timeInSeconds * 1000, digits: 8 })).toBe(code);
    expect(checkTotpCode({ secret: RFC_SEED, code, timeInMs: timeInSeconds * 1000, lastUsedStep: null, digits: 8 })).toEqual({
      valid: true,
      step: Math.floor(timeInSeconds / 30),
    });
  });

  it('accepts one step of clock drift either way, and never two', () => {
    const now = 1_700_000_000_000;
    const at = (offsetSteps: number) => generateTotpCode({ secret: RFC_SEED, timeInMs: now + offsetSteps * 30_000 });
    expect(checkTotpCode({ secret: RFC_SEED, code: at(-1), timeInMs: now, lastUsedStep: null }).valid).toBe(true);
    expect(checkTotpCode({ secret: RFC_SEED, code: at(1), timeInMs: now, lastUsedStep: null }).valid).toBe(true);
    expect(checkTotpCode({ secret: RFC_SEED, code: at(-2), timeInMs: now, lastUsedStep: null })).toEqual({ valid: false, reason: 'wrong_code' });
    expect(checkTotpCode({ secret: RFC_SEED, code: at(2), timeInMs: now, lastUsedStep: null })).toEqual({ valid: false, reason: 'wrong_code' });
  });

  it('refuses a code whose step was already used, or an earlier one', () => {
    const now = 1_700_000_000_000;
    const step = totpStepAt(now);
    const code = generateTotpCode({ secret: RFC_SEED, timeInMs: now });
    expect(checkTotpCode({ secret: RFC_SEED, code, timeInMs: now, lastUsedStep: step })).toEqual({ valid: false, reason: 'already_used' });
    expect(checkTotpCode({ secret: RFC_SEED, code, timeInMs: now, lastUsedStep: step - 1 })).toEqual({ valid: true, step });
    const previous = generateTotpCode({ secret: RFC_SEED, timeInMs: now - 30_000 });
    expect(checkTotpCode({ secret: RFC_SEED, code: previous, timeInMs: now, lastUsedStep: step })).toEqual({ valid: false, reason: 'already_used' });
  });

  it('says a wrong code is wrong, and throws on misuse', () => {
    expect(checkTotpCode({ secret: RFC_SEED, code: '000000', timeInMs: 59_000, lastUsedStep: null }).valid).toBe(false);
    expect(() => checkTotpCode({ secret: new Uint8Array(), code: '123456', timeInMs: 0, lastUsedStep: null })).toThrow(TypeError);
    expect(() => checkTotpCode({ secret: RFC_SEED, code: '123456', timeInMs: Number.NaN, lastUsedStep: null })).toThrow(TypeError);
  });

  it('builds a Key URI authenticator apps scan, and a secret people can type', () => {
    const uri = totpKeyUri({ secret: RFC_SEED, issuer: 'Twofold', accountName: 'pat@example.com.au' });
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe('/Twofold:pat@example.com.au');
    expect(parsed.searchParams.get('issuer')).toBe('Twofold');
    expect(parsed.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(parsed.searchParams.get('digits')).toBe('6');
    expect(parsed.searchParams.get('period')).toBe('30');
    const typed = formatSecretForManualEntry(RFC_SEED);
    expect(typed).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    expect(secretFromBase32(typed.replace(/ /g, ''))).toEqual(RFC_SEED);
  });
});
