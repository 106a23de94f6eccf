// Recovery codes: the way back in when every second factor is lost. Ten single-use
// codes of 80 random bits each, written in Crockford's base32 so that a code read off
// paper survives being typed in any case, with dashes or spaces, and with O for 0 or
// I/L for 1.

export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_SIZE_IN_BYTES = 10; // 80 bits: 16 base32 characters
/** At or below this many left, the person is offered a new set. */
export const RECOVERY_CODES_LOW_AT = 3;
/** How long the codes of a new set can be shown again (reload, download, print) before they are saved. */
export const RECOVERY_CODE_REVEAL_LIFETIME_IN_MS = 30 * 60_000;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 16;
/** What people type for what they see: Crockford's decoding rules. */
const READ_AS: Record<string, string> = { O: '0', I: '1', L: '1' };

/** 80 random bits as `XXXX-XXXX-XXXX-XXXX`. */
export function encodeRecoveryCode(bytes: Uint8Array): string {
  if (bytes.length !== RECOVERY_CODE_SIZE_IN_BYTES) throw new RangeError(`a recovery code is ${RECOVERY_CODE_SIZE_IN_BYTES} bytes`);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = '';
  for (let i = CODE_LENGTH - 1; i >= 0; i--) text += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return formatRecoveryCode(text);
}

export function generateRecoveryCodes(randomBytes: (size: number) => Uint8Array): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => encodeRecoveryCode(randomBytes(RECOVERY_CODE_SIZE_IN_BYTES)));
}

/** The 16 characters of a code as stored and compared, or null when it cannot be one. */
export function normalizeRecoveryCode(typed: unknown): string | null {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const compact = typed.replace(/[\s-]/g, '').toUpperCase();
  if (compact.length !== CODE_LENGTH) return null;
  let code = '';
  for (const char of compact) {
    const read = READ_AS[char] ?? char;
    if (!ALPHABET.includes(read)) return null;
    code += read;
  }
  return code;
}

export function formatRecoveryCode(normalized: string): string {
  return normalized.match(/.{4}/g)!.join('-');
}

/** The text file of "Download": the codes, one a line, with what they are and where to keep them. */
export function recoveryCodesFile(args: { codes: string[]; email: string; issuer: string; createdAtMs: number }): string {
  return [
    `${args.issuer} recovery codes for ${args.email}`,
    `Made ${new Date(args.createdAtMs).toISOString().slice(0, 10)}`,
    '',
    'Each code signs you in once, in place of your two-factor code, if you lose your phone or security key.',
    'Keep them somewhere safe and apart from your password: a password manager, or printed and filed away.',
    '',
    ...args.codes,
    '',
  ].join('\n');
}
