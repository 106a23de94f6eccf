// Property-based: the pure input rules never throw and never accept what they must not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeDisplayName, normalizeEmail } from '../../src/domain/accounts.js';
import { normalizeTypedCode } from '../../src/domain/codes.js';
import { safeLocalPath } from '../../src/domain/redirects.js';

describe('typed one-time codes', () => {
  it('accepts six ASCII digits, with spaces anywhere', () => {
    expect(normalizeTypedCode('123456')).toBe('123456');
    expect(normalizeTypedCode('123 456')).toBe('123456');
    expect(normalizeTypedCode(' 1 2 3 4 5 6 ')).toBe('123456');
  });

  it('refuses full-width digits, letters, other lengths and non-strings', () => {
    for (const bad of ['１２３４５６', '12345', '1234567', '12345a', '123\t456', '', null, undefined, 123456, ['123456'], { code: '123456' }]) {
      expect(normalizeTypedCode(bad)).toBeNull();
    }
  });

  it('whatever comes in, the result is null or exactly six ASCII digits', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const result = normalizeTypedCode(input);
        return result === null || /^[0-9]{6}$/.test(result);
      }),
    );
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (input) => {
      const result = normalizeTypedCode(input);
      return result === null || (/^[0-9]{6}$/.test(result) && input.replace(/ /g, '') === result);
    }));
  });
});

describe('redirect targets', () => {
  it('keeps same-site paths and refuses everything else', () => {
    expect(safeLocalPath('/settings/security', '/')).toBe('/settings/security');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/\t/evil.example', '', 42, null]) {
      expect(safeLocalPath(bad, '/')).toBe('/');
    }
  });

  it('never returns anything a browser would read as another origin', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.webUrl(), fc.string().map((s) => `/${s}`)), (input) => {
        const result = safeLocalPath(input, '/');
        return new URL(result, 'https://twofold.example').origin === 'https://twofold.example';
      }),
    );
  });
});

describe('emails and names', () => {
  it('normalises case and surrounding space, refuses what is not an address', () => {
    expect(normalizeEmail('  Pat@Firm.COM.au ')).toBe('pat@firm.com.au');
    for (const bad of ['pat', 'pat@', '@firm.com', 'pat@firm', 'pa t@firm.com', 'a'.repeat(250) + '@x.com', null, ['a@b.co']]) expect(normalizeEmail(bad)).toBeNull();
  });

  it('never throws, whatever it is given', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      normalizeEmail(input);
      normalizeDisplayName(input);
      return true;
    }));
  });
});

describe('text that reaches the database from outside the web (the CLI)', () => {
  it('drops control characters such as NUL from free text and refuses them in emails', async () => {
    const { cleanFreeText } = await import('../../src/domain/text.js');
    const { normalizeEmail } = await import('../../src/domain/accounts.js');
    expect(cleanFreeText('  Lost\u0000 phone\u0007 \n', 500)).toBe('Lost phone');
    expect(cleanFreeText('a'.repeat(600), 500)).toHaveLength(500);
    expect(cleanFreeText(42, 500)).toBe('');
    expect(normalizeEmail('nul\u0000byte@example.com.au')).toBeNull();
    expect(normalizeEmail('Sam@Harbour.com.au')).toBe('sam@harbour.com.au');
  });
});
