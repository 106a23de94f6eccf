// Property-based: every accepted input is a valid +614 mobile; everything else is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAustralianMobile, formatAustralianMobile, lastFourDigits, maskMobile, parseAustralianMobile } from '../../src/domain/phone.js';

describe('Australian mobile numbers', () => {
  it.each(['0412345678', '0412 345 678', '+61 412 345 678', '61412345678', '+61412345678', ' 0412345678 '])('accepts %j as +61412345678', (typed) => {
    expect(parseAustralianMobile(typed)).toBe('+61412345678');
  });

  it.each(['0212345678', '041234567', '04123456789', '+1 415 555 0100', '0412-345-678', '0412345678 ext 9', 'mobile', '', '１２３', null, 412345678, ['0412345678']])(
    'refuses %j',
    (typed) => expect(parseAustralianMobile(typed)).toBeNull(),
  );

  it.each([
    ['0212345678', 'mobile_landline'],
    ['02 9876 5432', 'mobile_landline'],
    ['+61 2 9876 5432', 'mobile_landline'],
    ['041234567', 'mobile_wrong_length'],
    ['04123456789', 'mobile_wrong_length'],
    ['12345', 'mobile_wrong_length'],
    ['+1 415 555 0100', 'mobile_not_australian'],
    ['+44 7700 900123', 'mobile_not_australian'],
    ['0412-345-678', 'mobile_invalid'],
    ['mobile', 'mobile_invalid'],
    ['', 'mobile_invalid'],
  ])('says what is wrong with %j: %s', (typed, refusal) => {
    expect(checkAustralianMobile(typed)).toEqual({ refusal });
  });

  it('shows the canonical form, the last 4 and a mask', () => {
    expect(formatAustralianMobile('+61412345678')).toBe('0412345678');
    expect(lastFourDigits('+61412345678')).toBe('5678');
    expect(maskMobile('+61412345678')).toBe('0412 ••• •••');
  });

  it('normalises any accepted input to a valid +614 number, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.stringMatching(/^(\+?61|0)4[0-9 ]{8,10}$/)), (typed) => {
        const parsed = parseAustralianMobile(typed);
        return parsed === null || /^\+614[0-9]{8}$/.test(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every real mobile number in each of the forms people type', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{8}$/), fc.constantFrom('0', '+61', '61', '+61 '), fc.boolean(), (rest, prefix, spaced) => {
        const local = `4${rest}`;
        const typed = spaced ? `${prefix}${local.slice(0, 3)} ${local.slice(3, 6)} ${local.slice(6)}` : `${prefix}${local}`;
        const parsed = parseAustralianMobile(typed);
        // libphonenumber knows which 04 ranges are allocated; an accepted one is always the same number.
        return parsed === null || parsed === `+61${local}`;
      }),
      { numRuns: 500 },
    );
    expect(parseAustralianMobile('0412345678')).not.toBeNull();
  });
});
