// Who an account is: email as the username, a display name, a role in an organisation.

export type Role = 'member' | 'admin';
export const ROLES: readonly Role[] = ['member', 'admin'];

const MAX_EMAIL_LENGTH = 254;
// Deliberately plain: one @, something on each side, a dot in the domain, no spaces and
// no control characters (PostgreSQL refuses NUL in text: that was a 500).
const EMAIL_SHAPE = /^[^\s@\u0000-\u001f\u007f]+@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]+$/;

/** Emails are compared case-insensitively: "Ann@Firm.com.au" and "ann@firm.com.au" are one account. */
export function normalizeEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const email = input.trim().toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || !EMAIL_SHAPE.test(email)) return null;
  return email;
}

const MAX_NAME_LENGTH = 100;

export function normalizeDisplayName(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const name = input.trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) return null;
  return name;
}
