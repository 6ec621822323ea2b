/**
 * Wakes log followers when an append commits in this process. Followers also wake on a
 * timer, so appends made by another process (or a missed wake-up) are seen within
 * `pollIntervalMs` at worst.
 */
export class AppendNotifier {
  private readonly waiters = new Set<() => void>();

  /** Number of followers currently waiting: zero once every subscription has stopped. */
  get waiting(): number {
    return this.waiters.size;
  }

  notify(): void {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify(), after `timeoutMs`, or when `signal` aborts. */
  wait(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
