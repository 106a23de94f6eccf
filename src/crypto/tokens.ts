// Bearer tokens (session cookies, sign-in attempts, setup links): 256 random bits,
// and only a SHA-256 of each is ever stored, so a copy of the database signs nobody in.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

// The one-shot hash: a Hash object per call cost more than the hashing (every request hashes its session cookie).
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A token from a cookie or URL is only ever looked up if it has the shape we issue. */
export function isWellFormedToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
