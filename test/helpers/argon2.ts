// The argon2 work a server does, seen as the metrics see it: a listener of the hasher,
// told after every hash and verify. The metrics keep listening while a test watches.
import type { PasswordHasher } from '../../src/crypto/password-hash.js';

export type Argon2Operation = 'hash' | 'verify';

export interface Argon2Watch {
  /** The operations since the last take (or since watching began), in order. */
  take(): Argon2Operation[];
  /** Stops watching. */
  stop(): void;
}

export function watchArgon2(hasher: PasswordHasher): Argon2Watch {
  let seen: Argon2Operation[] = [];
  const stop = hasher.observe((operation) => {
    seen.push(operation);
  });
  return {
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
    stop() {
      stop();
    },
  };
}
