// The argon2 work a server does, seen through the hasher's onTiming hook (the one the
// metrics use, called after every hash and verify). The hook already set, the metrics',
// keeps being called, so /metrics stays right while a test watches.
import type { PasswordHasher } from '../../src/crypto/password-hash.js';

export type Argon2Operation = 'hash' | 'verify';

export interface Argon2Watch {
  /** The operations since the last take (or since watching began), in order. */
  take(): Argon2Operation[];
  /** Gives the hook back as it was. */
  stop(): void;
}

export function watchArgon2(hasher: PasswordHasher): Argon2Watch {
  const previous = hasher.onTiming;
  let seen: Argon2Operation[] = [];
  hasher.onTiming = (operation, seconds) => {
    seen.push(operation);
    previous?.(operation, seconds);
  };
  return {
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
    stop() {
      hasher.onTiming = previous;
    },
  };
}
