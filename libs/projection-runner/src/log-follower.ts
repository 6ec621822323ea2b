import type { EventStore, RecordedEvent } from '@accord/event-store';

export interface LogFollowerOptions {
  /** Where to resume: the position of the last event already handled (exclusive). */
  readonly after: number;
  /** Events handed over per call while catching up. */
  readonly batchSize?: number;
  /**
   * Handles a batch in position order. The follower moves past the batch only once this
   * resolves; a rejection stops the follower (see `onError`) at the last good position.
   * Returning a number moves the follower there instead (another writer got further).
   * `after` is the position the page was read after (positions may have gaps).
   */
  readonly handle: (events: readonly RecordedEvent[], after: number) => Promise<void | number> | void | number;
  /**
   * Called when a page comes back empty, before the follower counts itself caught up: lets
   * `handle` finish work it handed off without awaiting it. A number moves the follower back
   * there (that work did not land); a rejection is handled like one of `handle`.
   */
  readonly settle?: () => Promise<void | number>;
  /** Called when `handle` fails; the follower retries the batch after `retryMs`. */
  readonly onError?: (error: unknown, events: readonly RecordedEvent[]) => void;
  readonly retryMs?: number;
}

/**
 * Follows the global log in batches from a checkpoint: pages with readAll while there is
 * something to read, and waits on a subscription (used only as a doorbell) when caught up.
 * Reading pages, never the doorbell's events, keeps "exactly the log, in order" simple.
 */
export class LogFollower {
  private current: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private doorbell: { stop(): Promise<void> } | undefined;
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private rewound: number | undefined;
  private woken = false;
  private markCaughtUp!: () => void;
  /** Resolves the first time the follower has read to the end of the log. */
  readonly caughtUp: Promise<void> = new Promise((resolve) => (this.markCaughtUp = resolve));

  constructor(
    private readonly store: EventStore,
    private readonly options: LogFollowerOptions,
  ) {
    this.current = options.after;
  }

  /** Position of the last event handled. */
  get position(): number {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    await this.doorbell?.stop();
    await this.loop;
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.clear();
    this.markCaughtUp();
  }

  /** Goes back to read again after `position` (a reader with an older checkpoint joined), waking a wait. */
  rewind(position: number): void {
    this.rewound = Math.min(this.rewound ?? Number.POSITIVE_INFINITY, position);
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    void this.doorbell?.stop();
  }

  /** Reads again now (and settles), instead of waiting for the next event or the end of a retry pause. */
  wake(): void {
    this.woken = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    void this.doorbell?.stop();
  }

  /** Resolves true once every event up to `position` is handled; false after `timeoutMs`. */
  waitFor(position: number, timeoutMs = 5000): Promise<boolean> {
    if (this.current >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(this.current >= position);
        },
      };
      const timer = setTimeout(waiter.resolve, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    while (this.running) {
      if (this.rewound !== undefined) {
        this.current = Math.min(this.current, this.rewound);
        this.rewound = undefined;
      }
      let page: RecordedEvent[];
      try {
        page = await this.store.readAll({ after: this.current, maxCount: batchSize });
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error, []);
        await this.pause();
        continue;
      }
      if (!this.running) return;
      if (page.length === 0) {
        if (this.rewound !== undefined) continue;
        this.woken = false; // what a wake asks for, settling, happens now
        if (this.options.settle) {
          let back: void | number;
          try {
            back = await this.options.settle();
          } catch (error) {
            if (!this.running) return;
            this.options.onError?.(error, []);
            await this.pause();
            continue;
          }
          if (typeof back === 'number' && back < this.current) {
            this.current = back;
            continue;
          }
          if (!this.running || this.rewound !== undefined) continue;
        }
        this.markCaughtUp();
        if (this.woken) continue;
        await this.waitForNext();
        continue;
      }
      let moved: void | number;
      try {
        moved = await this.options.handle(page, this.current);
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error, page);
        await this.pause();
        continue;
      }
      this.current = typeof moved === 'number' ? moved : page[page.length - 1].position;
      for (const waiter of [...this.waiters]) if (waiter.position <= this.current) waiter.resolve();
      // A turn of the event loop between batches: catching up on a long log (a rebuild in the
      // API) must not hold the requests that arrive meanwhile for the whole log.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async waitForNext(): Promise<void> {
    const subscription = this.store.subscribe({ after: this.current });
    this.doorbell = subscription;
    try {
      if (this.running && this.rewound === undefined && !this.woken) await subscription[Symbol.asyncIterator]().next();
    } finally {
      this.doorbell = undefined;
      await subscription.stop();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, this.options.retryMs ?? 1000);
    });
  }
}
