// argon2id at OWASP's parameters (m=19 MiB, t=2, p=1). @node-rs/argon2 hashes on
// libuv's thread pool, off the event loop, so cheap requests are not starved.
import { hash, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id: the enum is a const enum the compiler cannot import here. */
const ARGON2ID = 2;

export interface Argon2Parameters {
  memoryCostInKiB: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = { memoryCostInKiB: 19_456, timeCost: 2, parallelism: 1 };

export type HashTimingListener = (operation: 'hash' | 'verify', seconds: number) => void;

export class PasswordHasher {
  readonly #dummyHash: Promise<string>;
  readonly #listeners = new Set<HashTimingListener>();

  constructor(readonly parameters: Argon2Parameters = OWASP_ARGON2ID) {
    // Made now, not at the first unknown email: that one would otherwise cost a hash and
    // a verify, and its reply time would differ from every other.
    this.#dummyHash = this.hashUntimed('twofold-timing-equaliser');
    this.#dummyHash.catch(() => {}); // a failure is reported where it is awaited
  }

  /** Tells `listener` how long each hash or verify took (the metrics listen); returns how to stop. */
  observe(listener: HashTimingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tell(operation: 'hash' | 'verify', started: number): void {
    const seconds = (performance.now() - started) / 1000;
    for (const listener of this.#listeners) listener(operation, seconds);
  }

  async hash(password: string): Promise<string> {
    const started = performance.now();
    const encoded = await this.hashUntimed(password);
    this.#tell('hash', started);
    return encoded;
  }

  private hashUntimed(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.parameters.memoryCostInKiB,
      timeCost: this.parameters.timeCost,
      parallelism: this.parameters.parallelism,
    });
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    const started = performance.now();
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    } finally {
      this.#tell('verify', started);
    }
  }

  /**
   * Spends the same time as a real verify, for emails with no account (or no password
   * yet), so the reply time does not tell an attacker which emails exist.
   */
  async verifyAgainstNothing(password: string): Promise<false> {
    await this.verify(await this.#dummyHash, password);
    return false;
  }

  /** True when a stored hash was made with other parameters than today's. */
  needsRehash(encoded: string): boolean {
    const p = this.parameters;
    return !encoded.startsWith(`$argon2id$v=19$m=${p.memoryCostInKiB},t=${p.timeCost},p=${p.parallelism}$`);
  }
}
