import type { RecordedEvent, Subscription } from './event-store.port';

export interface LogSource {
  /** One page of the global log: events with a position greater than `after`, in order. */
  readPage(after: number, maxCount: number): Promise<RecordedEvent[]>;
  /** Resolves when new events may have been committed, or when `signal` aborts. */
  waitForAppend(after: number, signal: AbortSignal): Promise<void>;
}

export interface CatchUpOptions {
  readonly after?: number;
  readonly pageSize?: number;
  /** Called once when the subscription stops, so the store can forget it. */
  readonly onStop?: (subscription: Subscription) => void;
}

/**
 * Catch-up then live, with no boundary to cross: the subscription only ever pages the
 * log after the last position it delivered, and sleeps when a page comes back empty.
 * An event is therefore delivered once and never skipped, provided the adapter's
 * `readPage` never returns a position while an earlier one can still commit.
 */
export class CatchUpSubscription implements Subscription, AsyncIterator<RecordedEvent> {
  private buffer: RecordedEvent[] = [];
  private index = 0;
  private last: number;
  private readonly pageSize: number;
  private readonly abort = new AbortController();
  private isStopped = false;
  private pending: Promise<IteratorResult<RecordedEvent>> | undefined;

  constructor(
    private readonly source: LogSource,
    private readonly options: CatchUpOptions = {},
  ) {
    this.last = options.after ?? 0;
    this.pageSize = options.pageSize ?? 500;
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  /** Position of the last event delivered. */
  get position(): number {
    return this.last;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    // Calls are serialised so that a consumer calling next() twice still gets order.
    const run = (this.pending ?? Promise.resolve()).then(() => this.pull());
    this.pending = run.catch(() => undefined) as Promise<IteratorResult<RecordedEvent>>;
    return run;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    this.buffer = [];
    this.abort.abort();
    this.options.onStop?.(this);
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.isStopped) return { done: true, value: undefined };
      if (this.index < this.buffer.length) {
        const event = this.buffer[this.index++];
        this.last = event.position;
        return { done: false, value: event };
      }
      const page = await this.source.readPage(this.last, this.pageSize);
      if (this.isStopped) return { done: true, value: undefined };
      if (page.length > 0) {
        this.buffer = page;
        this.index = 0;
        continue;
      }
      await this.source.waitForAppend(this.last, this.abort.signal);
    }
  }
}
