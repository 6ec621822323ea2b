import { availableParallelism, loadavg } from 'node:os';

/**
 * Events each worker thread must have to hash before a pool pays for itself: starting a
 * thread, opening the store in it and warming its JIT, cutting the log into chunks and
 * sending them back cost as much as hashing about this many events in this thread
 * (bench/audit.bench.ts measures it; decision 0036).
 */
export const EVENTS_PER_WORKER = 100_000;

/** Never more worker threads than this by default: past it the store's reads, not hashing, set the pace. */
export const MAX_DEFAULT_WORKERS = 8;

/**
 * The worker threads to verify `events` events with, when none was asked for, on a machine
 * of `cores` cores whose load average (runnable threads, over the last minute) is `load`:
 * 0 (all in this thread) unless two workers have a core each that nothing else is using and
 * at least EVENTS_PER_WORKER events each; else min(idle cores, 8, floor(events / EVENTS_PER_WORKER)),
 * the idle cores being cores − load, rounded. Pure: the one choice behind `accord audit verify`,
 * `accord store copy|restore`'s check and `accord audit verify-bundle`.
 */
export function chooseWorkers(cores: number, events: number, load = 0, perWorker = EVENTS_PER_WORKER): number {
  if (!(cores >= 2) || !(events > 0) || !(perWorker > 0)) return 0;
  // A load average that is not a number (or negative) says nothing: the cores count as idle.
  const idle = Math.round(Math.floor(cores) - (load > 0 ? load : 0));
  const workers = Math.min(idle, MAX_DEFAULT_WORKERS, Math.floor(events / perWorker));
  return workers >= 2 ? workers : 0;
}

/** chooseWorkers on this machine: os.availableParallelism() and the one-minute os.loadavg(). */
export function defaultWorkers(events: number): number {
  return chooseWorkers(availableParallelism(), events, loadavg()[0]);
}

/** What the CLI's help says of the default, kept beside the rule it describes. */
export const DEFAULT_WORKERS_HELP =
  `default: from the log's length and the machine, all in this thread below ` +
  `${(2 * EVENTS_PER_WORKER).toLocaleString('en-US')} events or when fewer than two cores are idle ` +
  `(cores minus the load average), else one worker per ${EVENTS_PER_WORKER.toLocaleString('en-US')} ` +
  `events up to the idle cores, at most ${MAX_DEFAULT_WORKERS}`;
