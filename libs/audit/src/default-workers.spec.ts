import { availableParallelism, loadavg } from 'node:os';
import {
  chooseWorkers,
  DEFAULT_WORKERS_HELP,
  defaultWorkers,
  EVENTS_PER_WORKER,
  MAX_DEFAULT_WORKERS,
} from './default-workers';

describe('chooseWorkers (the default of --workers, decision 0036)', () => {
  it('keeps a log of fewer than two workers’ worth of events in this thread, whatever the cores', () => {
    for (const cores of [2, 4, 16]) {
      expect(chooseWorkers(cores, 0)).toBe(0);
      expect(chooseWorkers(cores, 1)).toBe(0);
      expect(chooseWorkers(cores, 50_000)).toBe(0);
      expect(chooseWorkers(cores, 2 * EVENTS_PER_WORKER - 1)).toBe(0);
    }
  });

  it('never starts threads on one core', () => {
    expect(chooseWorkers(1, 10_000_000)).toBe(0);
    expect(chooseWorkers(0, 10_000_000)).toBe(0);
  });

  it('gives each worker at least EVENTS_PER_WORKER events, up to the cores', () => {
    expect(chooseWorkers(2, 2 * EVENTS_PER_WORKER)).toBe(2);
    expect(chooseWorkers(2, 10_000_000)).toBe(2);
    expect(chooseWorkers(4, 2 * EVENTS_PER_WORKER)).toBe(2);
    expect(chooseWorkers(4, 3 * EVENTS_PER_WORKER + 1)).toBe(3);
    expect(chooseWorkers(4, 4 * EVENTS_PER_WORKER)).toBe(4);
    expect(chooseWorkers(4, 40 * EVENTS_PER_WORKER)).toBe(4);
    expect(chooseWorkers(6, 5 * EVENTS_PER_WORKER + EVENTS_PER_WORKER / 2)).toBe(5);
  });

  it(`never picks more than ${MAX_DEFAULT_WORKERS}, however many cores and events`, () => {
    expect(chooseWorkers(64, 1_000 * EVENTS_PER_WORKER)).toBe(MAX_DEFAULT_WORKERS);
    expect(chooseWorkers(9, 9 * EVENTS_PER_WORKER)).toBe(MAX_DEFAULT_WORKERS);
  });

  it('only grows with the cores and the events, and shrinks with the load', () => {
    for (let cores = 1; cores <= 12; cores++) {
      let previous = 0;
      for (let events = 0; events <= 12 * EVENTS_PER_WORKER; events += EVENTS_PER_WORKER / 4) {
        const workers = chooseWorkers(cores, events);
        expect(workers).toBeGreaterThanOrEqual(previous);
        expect(workers).toBeLessThanOrEqual(chooseWorkers(cores + 1, events));
        expect(workers).toBeGreaterThanOrEqual(chooseWorkers(cores, events, 0.75));
        expect(workers === 0 || (workers >= 2 && workers <= Math.min(cores, MAX_DEFAULT_WORKERS))).toBe(true);
        previous = workers;
      }
    }
  });

  it('takes another threshold, and refuses nonsense with this thread', () => {
    expect(chooseWorkers(4, 30_000, 0, 10_000)).toBe(3);
    expect(chooseWorkers(4, 30_000, 0, 0)).toBe(0);
    expect(chooseWorkers(4, Number.NaN)).toBe(0);
    expect(chooseWorkers(Number.NaN, 10_000_000)).toBe(0);
    expect(chooseWorkers(4.5, 10_000_000)).toBe(4);
  });

  it('counts only the cores the load average leaves idle', () => {
    const many = 100 * EVENTS_PER_WORKER;
    expect(chooseWorkers(2, many, 0.4)).toBe(2);
    expect(chooseWorkers(2, many, 0.6)).toBe(0);
    expect(chooseWorkers(2, many, 1)).toBe(0);
    expect(chooseWorkers(2, many, 11.5)).toBe(0);
    expect(chooseWorkers(8, many, 3)).toBe(5);
    expect(chooseWorkers(8, many, 6.4)).toBe(2);
    expect(chooseWorkers(8, many, 6.6)).toBe(0);
    expect(chooseWorkers(16, many, 4)).toBe(MAX_DEFAULT_WORKERS);
    // The events still bound it.
    expect(chooseWorkers(8, 3 * EVENTS_PER_WORKER, 1)).toBe(3);
    // No load average (Windows gives zeros; nonsense counts as none).
    expect(chooseWorkers(4, many, Number.NaN)).toBe(4);
    expect(chooseWorkers(4, many, -3)).toBe(4);
  });

  it('is chooseWorkers on this machine’s parallelism and load', () => {
    for (const events of [0, 2 * EVENTS_PER_WORKER, 100 * EVENTS_PER_WORKER]) {
      const bounds = [0, 1, 2].map((load) => chooseWorkers(availableParallelism(), events, loadavg()[0] + load - 1));
      // The load may move between the two reads: the answer lies between those a little more and a little less load give.
      const answer = defaultWorkers(events);
      expect(answer).toBeLessThanOrEqual(bounds[0]);
      expect(answer).toBeGreaterThanOrEqual(bounds[2]);
    }
  });

  it('describes itself for the CLI help with its figures', () => {
    expect(DEFAULT_WORKERS_HELP).toContain((2 * EVENTS_PER_WORKER).toLocaleString('en-US'));
    expect(DEFAULT_WORKERS_HELP).toContain(`at most ${MAX_DEFAULT_WORKERS}`);
    expect(DEFAULT_WORKERS_HELP).toContain('load average');
  });
});
