// AES-256-GCM for secrets at rest (TOTP seeds). Each value carries its own random
// 96-bit nonce and auth tag: "v1.<nonce>.<tag>.<ciphertext>", all base64url.
// The purpose string is bound as associated data, so a value cannot be moved to
// another column or another user's row and still decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TypeError('SecretBox needs a 32-byte key');
    this.#key = key;
  }

  seal(plaintext: Uint8Array, associatedData: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['v1', nonce, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws if the value was tampered with, sealed for another purpose, or under another key. */
  open(sealed: string, associatedData: string): Uint8Array {
    const [version, nonce, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || nonce === undefined || tag === undefined || ciphertext === undefined) throw new TypeError('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]));
  }
}
