// The rules for passkeys and security keys (WebAuthn), as pure functions.
import type { WindowRule } from './limits.js';
import { cleanFreeText } from './text.js';

const MINUTE_IN_MS = 60_000;

/** How long a person has to answer their authenticator before the challenge is void. */
export const WEBAUTHN_CHALLENGE_LIFETIME_IN_MS = 5 * MINUTE_IN_MS;

/**
 * "Sign in with a passkey" asked for by one network: each asking stores a challenge
 * before anyone is known, so a script must not be able to fill the table.
 */
export const PASSKEY_SIGN_INS_PER_IP: WindowRule = { name: 'passkey-sign-in-ip', max: 300, windowInMs: 15 * MINUTE_IN_MS };

/** Enough for a phone, a laptop and a few keys; a bound, so no one can fill the table. */
export const MAX_PASSKEYS_PER_USER = 20;

export const PASSKEY_NAME_MAX_LENGTH = 60;

/** Bytes of the random WebAuthn user handle (the spec allows up to 64). */
export const WEBAUTHN_USER_HANDLE_SIZE_IN_BYTES = 32;

/** What a passkey is called when the person gave no name. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/**
 * A name for a passkey as typed: one line, no control characters, at most 60 characters;
 * null when nothing is left.
 */
export function cleanPasskeyName(input: unknown): string | null {
  const oneLine = cleanFreeText(input, 1000).replace(/\s+/g, ' ');
  const name = [...oneLine].slice(0, PASSKEY_NAME_MAX_LENGTH).join('').trim();
  return name === '' ? null : name;
}

/**
 * The signature-counter rule (WebAuthn §6.1.1): once either side is above 0, the new
 * counter must be greater than the stored one. A counter that did not move forward means
 * two copies of one authenticator are in use: the credential was cloned. Authenticators
 * that keep no counter (synced passkeys) report 0 every time and are accepted.
 */
export function isSignCountAcceptable(storedCount: number, newCount: number): boolean {
  if (storedCount === 0 && newCount === 0) return true;
  return newCount > storedCount;
}

const KNOWN_TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** The transports a browser reported, kept only if they are ones the spec names. */
export function cleanTransports(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return [...new Set(input.filter((t): t is string => typeof t === 'string' && KNOWN_TRANSPORTS.has(t)))];
}

/** Transports as stored (a JSON array), read back defensively. */
export function parseStoredTransports(stored: string): string[] {
  try {
    return cleanTransports(JSON.parse(stored));
  } catch {
    return [];
  }
}
