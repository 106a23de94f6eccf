// Rules of Twofold's OpenID Provider that need no database: lifetimes, client metadata,
// which keys sign and which are published.

/** How long each piece of provider state lives, in seconds. */
export const OIDC_TTL_IN_SECONDS = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  IdToken: 60 * 60,
  // Bound to the sign-in's session too (expiresWithSession): it ends when that does.
  RefreshToken: 12 * 60 * 60,
  Interaction: 30 * 60,
  Session: 12 * 60 * 60,
  Grant: 12 * 60 * 60,
} as const;

/** A retired key stays published this long: the longest-lived token it signed (an ID token) has expired by then. */
export const RETIRED_KEY_PUBLISHED_FOR_IN_MS = (OIDC_TTL_IN_SECONDS.IdToken + 5 * 60) * 1000;

/** Nodes look for a new key set this often; a new key signs only after every node has published it. */
export const SIGNING_KEY_RELOAD_INTERVAL_IN_MS = 60_000;
export const NEW_KEY_SIGNS_AFTER_IN_MS = 3 * SIGNING_KEY_RELOAD_INTERVAL_IN_MS;

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface SigningKeyState {
  kid: string;
  alg: string;
  signsFromMs: number;
  retiredAtMs: number | null;
}

/**
 * The keys to publish, in the order the provider wants them: for each algorithm the key
 * that signs now comes first (the provider signs with the first key of an algorithm).
 * A key not yet signing is published; a retired one is until its tokens have expired.
 */
export function orderKeysForProvider<T extends SigningKeyState>(keys: readonly T[], nowMs: number): T[] {
  const published = keys.filter((k) => k.retiredAtMs === null || nowMs - k.retiredAtMs < RETIRED_KEY_PUBLISHED_FOR_IN_MS);
  const signing: T[] = [];
  for (const alg of SIGNING_ALGS) {
    // The newest key already allowed to sign; a retired key signs only if no other can.
    const candidates = published.filter((k) => k.alg === alg && k.signsFromMs <= nowMs).sort((a, b) => Number(a.retiredAtMs !== null) - Number(b.retiredAtMs !== null) || b.signsFromMs - a.signsFromMs);
    if (candidates[0]) signing.push(candidates[0]);
  }
  return [...signing, ...published.filter((k) => !signing.includes(k))];
}

/** A redirect URI an operator may register: absolute, http(s), no fragment; http only for loopback. */
export function checkRedirectUri(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash) return 'must not have a #fragment';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return null;
  if (url.protocol === 'http:' && url.hostname.endsWith('.localhost')) return null;
  return 'must be https (http only for localhost)';
}

/**
 * Ids the provider makes (and our client ids) are URL-safe random strings. Anything else
 * (a NUL byte, which PostgreSQL refuses in text, or a megabyte of junk) names nothing.
 */
export function isPlausibleProviderId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 256 && /^[A-Za-z0-9_\-.~]+$/.test(id);
}
