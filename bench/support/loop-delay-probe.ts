/**
 * Preloaded into a server by the event-loop bench (`NODE_OPTIONS=--require <this file>`):
 * samples the server's own event-loop delay with perf_hooks.monitorEventLoopDelay and, on
 * SIGUSR2, writes what it saw since the previous signal to $ACCORD_LOOP_PROBE_FILE, then
 * starts afresh. Nothing in the product knows of it.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

export interface LoopDelaySample {
  /** Counts the signals answered, so a reader can tell a fresh sample from the last one. */
  readonly sequence: number;
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly samples: number;
}

const file = process.env.ACCORD_LOOP_PROBE_FILE;
if (file && isMainThread) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let sequence = 0;
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
  process.on('SIGUSR2', () => {
    const sample: LoopDelaySample = {
      sequence: ++sequence,
      maxMs: ms(histogram.max),
      p99Ms: ms(histogram.percentile(99)),
      meanMs: ms(histogram.mean),
      samples: histogram.count,
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(sample));
    renameSync(`${file}.tmp`, file);
    histogram.reset();
  });
}
