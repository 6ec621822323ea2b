import { SingleBar } from 'cli-progress';

/** A progress bar on a terminal; on a pipe, a line every few seconds instead (logs stay readable). */
export function progressBar(label: string, total: number): { update(value: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: `${label} |{bar}| {percentage}% {value}/{total} positions, {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(Math.max(total, 1), 0);
    return { update: (value) => bar.update(Math.min(value, Math.max(total, 1))), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update(value) {
      if (Date.now() - last < 2000) return;
      last = Date.now();
      process.stderr.write(`${label}: ${value}/${total}\n`);
    },
    stop() {
      process.stderr.write(`${label}: done\n`);
    },
  };
}
