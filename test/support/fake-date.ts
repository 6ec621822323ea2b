/**
 * Fakes Date only (timers stay real), so that every instant the app reads (a command's now,
 * hence its events' occurredAt) comes from the test, and moves forwards only: time travel by
 * `?asOf=` can then be asked for the instant of every event (and the deadline watcher's today
 * set by the test).
 */
export const fakeDate = {
  start(iso: string): void {
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
      now: Date.parse(iso),
    });
  },
  advance(minutes = 7): void {
    jest.setSystemTime(Date.now() + minutes * 60_000);
  },
  set(iso: string): void {
    jest.setSystemTime(Date.parse(iso));
  },
  stop(): void {
    jest.useRealTimers();
  },
};
