// The pure passkey rules: the signature-counter rule and the names people type.
import { describe, expect, it } from 'vitest';
import { PASSKEY_NAME_MAX_LENGTH, cleanPasskeyName, cleanTransports, isSignCountAcceptable, parseStoredTransports } from '../../src/domain/passkeys.js';

describe('the signature-counter rule', () => {
  it('accepts a counter that moved forward, and an authenticator that always reports 0', () => {
    expect(isSignCountAcceptable(0, 1)).toBe(true);
    expect(isSignCountAcceptable(41, 42)).toBe(true);
    expect(isSignCountAcceptable(0, 0)).toBe(true);
  });

  it('refuses a counter that stood still or went backwards once either side is above 0', () => {
    expect(isSignCountAcceptable(42, 42)).toBe(false);
    expect(isSignCountAcceptable(42, 41)).toBe(false);
    expect(isSignCountAcceptable(42, 0)).toBe(false);
  });
});

describe('passkey names', () => {
  it('keeps one clean line of at most 60 characters, and nothing for blank input', () => {
    expect(cleanPasskeyName('  Work\tlaptop\r\n(home)\u0000 ')).toBe('Work laptop (home)');
    expect(cleanPasskeyName('🔑'.repeat(100))).toBe('🔑'.repeat(PASSKEY_NAME_MAX_LENGTH));
    expect(cleanPasskeyName(' \n ')).toBeNull();
    expect(cleanPasskeyName(['a'])).toBeNull();
  });
});

describe('transports', () => {
  it('keeps only the ones the spec names, once each', () => {
    expect(cleanTransports(['usb', 'usb', 'nfc', '<script>', 3])).toEqual(['usb', 'nfc']);
    expect(cleanTransports('usb')).toEqual([]);
    expect(parseStoredTransports('not json')).toEqual([]);
    expect(parseStoredTransports('["internal","hybrid"]')).toEqual(['internal', 'hybrid']);
  });
});
