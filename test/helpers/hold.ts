// Ways to make an order of events certain instead of measuring time: hold the
// database's answers until the test says so, and wait for a promise with a bound.
import type { KyselyPlugin } from 'kysely';
import type { ServiceContext } from '../../src/services/context.js';

export interface HeldDatabase {
  /** Queries that ran and are waiting for their results to be let through. */
  waiting(): number;
  /** Lets every held result through and puts the unheld database back. */
  release(): void;
}

/**
 * From now on, every query made through `services.db` (the very object the app's
 * routes use) runs, but its result is held until `release()`: work that needs the
 * database cannot finish meanwhile, so a reply that arrives did not wait for it.
 */
export function holdDatabase(services: ServiceContext): HeldDatabase {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args) {
      waiting++;
      await gate;
      waiting--;
      return args.result;
    },
  };
  const unheld = services.db;
  services.db = unheld.withPlugin(plugin);
  return {
    waiting: () => waiting,
    release() {
      services.db = unheld;
      open();
    },
  };
}

/** The promise's value, or `timedOut` if it takes longer than `ms` (a bound, not a measurement). */
export async function within<T, U>(ms: number, promise: Promise<T>, timedOut: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<U>((resolve) => (timer = setTimeout(() => resolve(timedOut), ms)));
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
