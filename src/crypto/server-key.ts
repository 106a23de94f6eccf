// The server's master secret: TWOFOLD_SECRET when set, else a random key generated
// once into the data folder. Separate keys for each use are derived from it (HKDF),
// so the TOTP encryption key and the CSRF key are never the same bytes.
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerKeys {
  totpEncryption: Buffer;
  csrf: Buffer;
  smsCodes: Buffer;
  recoveryCodes: Buffer;
  /** signs the OpenID Provider's cookies; every node derives the same */
  oidcCookies: Buffer;
}

export function deriveServerKeys(masterSecret: string): ServerKeys {
  const ikm = Buffer.from(masterSecret, 'utf8');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'twofold', info, 32));
  return { totpEncryption: derive('totp-secret-encryption'), csrf: derive('csrf-token'), smsCodes: derive('sms-code-hash'), recoveryCodes: derive('recovery-code-hash'), oidcCookies: derive('oidc-provider-cookies') };
}

/** Returns the master secret and whether it was just generated (the console says so). */
export function loadOrCreateMasterSecret(configured: string | undefined, dataDir: string): { secret: string; generatedAt?: string } {
  if (configured) return { secret: configured };
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return { secret: readFileSync(path, 'utf8').trim() };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // wx: if another process created it first, fail rather than overwrite its key.
  writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
  return { secret, generatedAt: path };
}
