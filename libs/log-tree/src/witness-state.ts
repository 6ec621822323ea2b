import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { operatorVerifier, WitnessSetupError, type CosignedCheckpoint, type WitnessLogState } from './witness';

/**
 * A witness's state file: per origin, the pinned operator key and the last checkpoint cosigned.
 * Losing it loses the witness's memory (the next run trusts on first use again), so it is
 * replaced whole (a temporary file renamed over it), never written in place.
 */
export interface WitnessState {
  readonly version: 1;
  readonly logs: Readonly<Record<string, WitnessLogState>>;
}

export const emptyWitnessState = (): WitnessState => ({ version: 1, logs: {} });

/** The log a run is about: by origin when the party named one (its --log-key), else by the URL it last used. */
export function findLog(state: WitnessState, by: { origin?: string; url?: string }): WitnessLogState | undefined {
  if (by.origin !== undefined) return state.logs[by.origin];
  return Object.values(state.logs).find((log) => log.url !== undefined && log.url === by.url);
}

export function withLog(state: WitnessState, log: WitnessLogState): WitnessState {
  return { version: 1, logs: { ...state.logs, [log.origin]: log } };
}

/** Reads the state file; a missing file is a witness that has cosigned nothing yet. */
export function readWitnessState(file: string): WitnessState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyWitnessState();
    throw new WitnessSetupError(`cannot read the witness state ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WitnessSetupError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return parseWitnessState(json, file);
}

/** Writes the state: a temporary file beside it, flushed, then renamed over it (a crash leaves the old one or the new one). */
export function writeWitnessState(file: string, state: WitnessState): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(parseWitnessState(state, file), null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  syncDirectory(dirname(file));
}

/**
 * Holds `<file>.lock` while `work` runs: two runs at once could each cosign a different tree
 * after the same last one, and neither would have checked the other's. A lock left by a
 * process that is gone is taken over.
 */
export async function withStateLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new WitnessSetupError(
          `another witness run holds ${lock} (${(error as Error).message}); remove it if no run is going`,
        );
      }
      const holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder))
        throw new WitnessSetupError(`another witness run (process ${holder}) holds ${lock}`);
      rmSync(lock, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Checks a state as read (or about to be written): a witness must not act on a state it misreads. */
export function parseWitnessState(json: unknown, file = 'the witness state'): WitnessState {
  const fail = (why: string): never => {
    throw new WitnessSetupError(`${file} is not a witness state: ${why}`);
  };
  if (!isRecord(json) || json.version !== 1 || !isRecord(json.logs))
    return fail('expected {"version": 1, "logs": {<origin>: …}}');
  const logs: Record<string, WitnessLogState> = {};
  for (const [origin, value] of Object.entries(json.logs)) {
    const at = `logs[${JSON.stringify(origin)}]`;
    if (!isRecord(value)) return fail(`${at} is not an object`);
    const { logKey, pinnedFrom, pinnedAt, url, last } = value;
    if (value.origin !== origin) return fail(`${at}.origin is not ${JSON.stringify(origin)}`);
    if (typeof logKey !== 'string') return fail(`${at}.logKey is not a string`);
    let keyName: string;
    try {
      keyName = operatorVerifier(logKey).name;
    } catch (error) {
      return fail(`${at}.logKey: ${(error as Error).message}`);
    }
    if (keyName !== origin) return fail(`${at}.logKey is named ${keyName}, not after the origin`);
    if (pinnedFrom !== 'given' && pinnedFrom !== 'server') return fail(`${at}.pinnedFrom is not "given" or "server"`);
    if (typeof pinnedAt !== 'string') return fail(`${at}.pinnedAt is not a string`);
    if (url !== undefined && typeof url !== 'string') return fail(`${at}.url is not a string`);
    logs[origin] = {
      origin,
      logKey,
      pinnedFrom,
      pinnedAt,
      ...(url === undefined ? {} : { url }),
      ...(last === undefined ? {} : { last: cosignedOf(last, `${at}.last`, fail) }),
    };
  }
  return { version: 1, logs };
}

function cosignedOf(value: unknown, at: string, fail: (why: string) => never): CosignedCheckpoint {
  if (!isRecord(value)) return fail(`${at} is not an object`);
  const { treeSize, rootHash, note, timestamp, cosignature } = value;
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 0) return fail(`${at}.treeSize is not a tree size`);
  if (typeof rootHash !== 'string' || Buffer.from(rootHash, 'base64').toString('base64') !== rootHash)
    return fail(`${at}.rootHash is not base64`);
  if (Buffer.from(rootHash, 'base64').length !== 32) return fail(`${at}.rootHash is not 32 bytes`);
  if (typeof note !== 'string') return fail(`${at}.note is not a string`);
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0)
    return fail(`${at}.timestamp is not POSIX seconds`);
  if (typeof cosignature !== 'string' || !cosignature.endsWith('\n')) return fail(`${at}.cosignature is not a line`);
  return { treeSize: treeSize as number, rootHash, note, timestamp: timestamp as number, cosignature };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The rename is durable once the directory is flushed; where a directory cannot be opened (Windows), the rename stands alone. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
