// Work that must not shape a reply's timing runs after the reply. One BackgroundWork per
// service context (no module state): tests and a clean shutdown wait for it with whenIdle.

export class BackgroundWork {
  readonly #inFlight = new Set<Promise<unknown>>();

  run(work: Promise<unknown>, onError: (error: unknown) => void): void {
    const tracked = work.catch(onError).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
