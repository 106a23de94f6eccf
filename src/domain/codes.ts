// What counts as a typed one-time code. Authenticator apps show "123 456", so
// spaces are ignored; anything else that is not six ASCII digits (full-width
// digits, letters, arrays from repeated form fields, null) is simply a wrong code
// and never reaches the verifier.

const SIX_ASCII_DIGITS = /^[0-9]{6}$/;
/** Longer input than this is not a code someone typed; refuse before any work. */
const MAX_TYPED_CODE_LENGTH = 32;

export function normalizeTypedCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_TYPED_CODE_LENGTH) return null;
  const withoutSpaces = input.replace(/ /g, '');
  return SIX_ASCII_DIGITS.test(withoutSpaces) ? withoutSpaces : null;
}
