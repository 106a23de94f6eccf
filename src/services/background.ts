// Work that must not shape a reply's timing runs after the reply. Tests (and a clean
// shutdown) wait for it with whenBackgroundIdle.

const inFlight = new Set<Promise<unknown>>();

export function runInBackground(work: Promise<unknown>, onError: (error: unknown) => void): void {
  const tracked = work.catch(onError).finally(() => inFlight.delete(tracked));
  inFlight.add(tracked);
}

export async function whenBackgroundIdle(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}
