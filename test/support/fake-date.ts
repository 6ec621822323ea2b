/**
 * Fakes Date only (timers stay real), so that every instant the app reads (a command's now,
 * hence its events' occurredAt) comes from the test, and moves forwards only: time travel by
 * `?asOf=` can then be asked for the instant of every event.
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
  stop(): void {
    jest.useRealTimers();
  },
};
