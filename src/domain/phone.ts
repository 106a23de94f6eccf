// Australian mobile numbers. The article's canonical form is 0412345678; people also
// type "0412 345 678", "+61 412 345 678" or "61412345678". We store E.164
// (+61412345678) and show the canonical form back.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const MAX_TYPED_LENGTH = 32;

/** Why a typed number is not an Australian mobile, each with its own sentence in the error table. */
export type MobileRefusal = 'mobile_invalid' | 'mobile_not_australian' | 'mobile_landline' | 'mobile_wrong_length';

/**
 * The E.164 form of an Australian mobile number, or what is wrong with what was typed:
 * people are told that a landline is a landline and a US number is not Australian,
 * not one sentence for every mistake.
 */
export function checkAustralianMobile(input: unknown): { mobile: string } | { refusal: MobileRefusal } {
  if (typeof input !== 'string' || input.length > MAX_TYPED_LENGTH) return { refusal: 'mobile_invalid' };
  const typed = input.trim();
  // Only digits, spaces, and one leading plus: libphonenumber is generous with
  // letters and punctuation ("0412-345-678 ext 9"), we are not.
  if (!/^\+?[0-9 ]+$/.test(typed)) return { refusal: 'mobile_invalid' };
  const digits = typed.replace(/ /g, '');
  const international = digits.startsWith('+') ? digits : digits.startsWith('61') && digits.length === 11 ? `+${digits}` : digits;
  const phone = parsePhoneNumberFromString(international, 'AU');
  if (phone && phone.isValid() && phone.country !== 'AU') return { refusal: 'mobile_not_australian' };
  if (phone && phone.country === 'AU' && phone.isValid() && phone.getType() === 'MOBILE') return { mobile: phone.number };
  if (phone && phone.country === 'AU' && phone.isValid()) return { refusal: 'mobile_landline' };
  if (international.startsWith('+') && !international.startsWith('+61')) return { refusal: 'mobile_not_australian' };
  const national = international.startsWith('+61') ? `0${international.slice(3)}` : international;
  if (national.startsWith('04') && national.length !== 10) return { refusal: 'mobile_wrong_length' };
  if (national.length < 10) return { refusal: 'mobile_wrong_length' };
  return { refusal: 'mobile_invalid' };
}

/** Returns the E.164 form of an Australian mobile number, or null for anything else. */
export function parseAustralianMobile(input: unknown): string | null {
  const checked = checkAustralianMobile(input);
  return 'mobile' in checked ? checked.mobile : null;
}

/** +61412345678 → 0412345678 */
export function formatAustralianMobile(e164: string): string {
  return e164.startsWith('+61') ? `0${e164.slice(3)}` : e164;
}

/** The last 4 digits, as asked for on the lost-device path. */
export function lastFourDigits(e164: string): string {
  return e164.slice(-4);
}

/** 04•• ••• 678: enough for a person to recognise their own number. */
export function maskMobile(e164: string): string {
  // The first digits only: "Lost your two-factor device" asks for the last 4, so
  // showing any of them on the code pages would answer part of its question.
  const local = formatAustralianMobile(e164);
  return `${local.slice(0, 4)} ••• •••`;
}

/** For admins: everything hidden but the last 3 digits. */
export function maskMobileForAdmin(e164: string): string {
  return `•••• ••• ${formatAustralianMobile(e164).slice(-3)}`;
}
