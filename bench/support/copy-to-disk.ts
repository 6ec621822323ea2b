import { closeSync, copyFileSync, fsyncSync, openSync } from 'node:fs';

/**
 * Copies a store file and waits until the copy is on disk: otherwise the kernel writes
 * its 1.2 GB back while the next load runs, and every fsync the API makes queues behind it.
 */
export function copyToDisk(from: string, to: string): void {
  copyFileSync(from, to);
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
