import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { PasswordHasher } from '../../src/crypto/password-hash.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { deriveServerKeys } from '../../src/crypto/server-key.js';

describe('SecretBox (AES-256-GCM for TOTP secrets at rest)', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = new Uint8Array(randomBytes(20));

  it('opens what it sealed, and never stores the plaintext', () => {
    const sealed = box.seal(secret, 'totp-secret:user-1');
    expect(box.open(sealed, 'totp-secret:user-1')).toEqual(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(box.seal(secret, 'totp-secret:user-1')).not.toBe(sealed); // fresh nonce each time
  });

  it('refuses a value moved to another user, tampered with, or under another key', () => {
    const sealed = box.seal(secret, 'totp-secret:user-1');
    expect(() => box.open(sealed, 'totp-secret:user-2')).toThrow();
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0]! ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], ciphertext.toString('base64url')].join('.'), 'totp-secret:user-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'totp-secret:user-1')).toThrow();
  });

  it('derives different keys for different purposes', () => {
    const keys = deriveServerKeys('a'.repeat(40));
    expect(keys.csrf.equals(keys.totpEncryption)).toBe(false);
    expect(deriveServerKeys('a'.repeat(40)).csrf.equals(keys.csrf)).toBe(true);
  });
});

describe('PasswordHasher (argon2id, OWASP parameters)', () => {
  const hasher = new PasswordHasher();

  it('hashes with m=19456 KiB, t=2, p=1 and verifies', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(encoded, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(encoded, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify('not a hash', 'x')).toBe(false);
    expect(hasher.needsRehash(encoded)).toBe(false);
  });

  it('asks for a rehash when the parameters change', async () => {
    const weaker = new PasswordHasher({ memoryCostInKiB: 8192, timeCost: 1, parallelism: 1 });
    expect(hasher.needsRehash(await weaker.hash('x'))).toBe(true);
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toMatch(/^sqlite:.*twofold\.sqlite$/);
    expect(config.sessionLifetime).toEqual({ idleTimeoutInMs: 30 * 60_000, absoluteTimeoutInMs: 12 * 3_600_000 });
    expect(config.trustProxy).toBe(false);
  });

  it('says localhost by default on this machine, so passkeys work from the printed link (an IP address cannot be a WebAuthn RP id)', () => {
    expect(loadConfig({}).publicUrl).toBe('http://localhost:3000');
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ HOST: '0.0.0.0' }).publicUrl).toBe('http://0.0.0.0:3000');
    expect(loadConfig({ PUBLIC_URL: 'https://crm.example.com' }).publicUrl).toBe('https://crm.example.com');
  });

  it('names every bad value at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TWOFOLD_SECRET: 'short', TRUST_PROXY: 'maybe', PUBLIC_URL: 'ftp://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'TWOFOLD_SECRET', 'TRUST_PROXY', 'PUBLIC_URL', 'LOG_LEVEL']) expect(problems).toContain(name);
    }
  });

  it('reads TRUST_PROXY as Fastify does', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8']);
  });
});
