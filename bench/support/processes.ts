import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseStoreUrl } from '@accord/store-factory';

/** dist/ of the build this runs from (bench/support → dist). */
export const DIST = join(__dirname, '..', '..');
export const API_MAIN = join(DIST, 'apps', 'api', 'src', 'main.js');
/** The same API with every read model but the log tree (bench/support/api-without-tree.ts). */
export const API_WITHOUT_TREE = join(DIST, 'bench', 'support', 'api-without-tree.js');

/** A process's resident set, as /proc says: now (VmRSS) and its peak so far (VmHWM), in MiB. */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !hwm) return undefined;
    return { rss: Number(rss[1]) / 1024, hwm: Number(hwm[1]) / 1024 };
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** Calls `take` now, every `everyMs`, and once more when stopped; then returns `result()`. */
function sampleEvery<T>(everyMs: number, take: () => void, result: () => T): { stop(): T } {
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      take();
      clearInterval(timer);
      return result();
    },
  };
}

/** Samples a process's VmRSS every `everyMs` until stopped: the most and the mean seen. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { peakMb: number; meanMb: number } } {
  let peak = 0;
  let sum = 0;
  let n = 0;
  return sampleEvery(
    everyMs,
    () => {
      const memory = memoryOf(pid);
      if (!memory) return;
      peak = Math.max(peak, memory.rss);
      sum += memory.rss;
      n++;
    },
    () => ({ peakMb: Math.round(peak), meanMb: n ? Math.round(sum / n) : 0 }),
  );
}

/**
 * Samples a file's size every `everyMs` until stopped: the most seen, in MiB (one decimal).
 * A missing file counts as empty (SQLite removes the `-wal` when the last connection closes).
 */
export function sampleFileSize(file: string, everyMs = 100): { stop(): { peakMb: number } } {
  let peak = 0;
  return sampleEvery(
    everyMs,
    () => {
      try {
        peak = Math.max(peak, statSync(file).size);
      } catch {
        // not there (yet, or any more)
      }
    },
    () => ({ peakMb: Math.round((peak / 1024 / 1024) * 10) / 10 }),
  );
}

/** The `-wal` file of a SQLite store URL (sampled during the load, decision 0037); none for other stores. */
export function walFileOf(url: string): string | undefined {
  const location = parseStoreUrl(url);
  return location.kind === 'sqlite' && location.filename !== ':memory:' ? `${location.filename}-wal` : undefined;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** A port nothing listens on now (the OS picks it; the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts a Node server (the compiled API, or the framework-ceiling app) as a child process
 * on a free port and resolves once `readyPath` answers 200: waiting for the server, not sleeping.
 */
export async function startServer(
  script: string,
  env: Record<string, string>,
  readyPath = '/health',
  timeoutMs = 180_000,
): Promise<ServerProcess> {
  const port = await freePort();
  // ACCORD_BENCH_SERVER_ARGS: node flags for the servers, e.g. --cpu-prof to see where their time goes.
  const nodeArgs = (process.env.ACCORD_BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (lines.length < 2000) lines.push(line);
    });
  }
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${script} exited with ${child.exitCode}:\n${lines.slice(-20).join('\n')}`);
    const ok = await fetch(url + readyPath).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not answer ${readyPath}:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    pid: child.pid!,
    url,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The real API, as `npm start` runs it, with the workers on. */
export function startApi(
  storeUrl: string,
  adminKey: string,
  extraEnv: Record<string, string> = {},
  script = API_MAIN,
): Promise<ServerProcess> {
  return startServer(script, {
    ACCORD_STORE: storeUrl,
    ACCORD_ADMIN_KEY: adminKey,
    ACCORD_WORKERS: 'on',
    // Request logging off, as in the framework-ceiling app: the figures are the engine's, not pino's.
    LOG_LEVEL: 'warn',
    ...extraEnv,
  });
}

/**
 * Runs a bench task (dist/bench/tasks.js) in a child process and returns the JSON object
 * it prints last, with the child's peak resident set (VmHWM, sampled until it exits).
 */
export async function runTask<T>(
  args: string[],
  options: { env?: Record<string, string>; onLine?: (line: string) => void } = {},
): Promise<T & { peakRssMb: number }> {
  const child = spawn(process.execPath, ['--expose-gc', join(DIST, 'bench', 'tasks.js'), ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak = 0;
  const timer = setInterval(() => {
    const memory = memoryOf(child.pid!);
    if (memory) peak = Math.max(peak, memory.hwm);
  }, 50);
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => out.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    err.push(line);
    options.onLine?.(line);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(timer);
  if (code !== 0) throw new Error(`task ${args.join(' ')} failed (${code}):\n${err.slice(-30).join('\n')}`);
  const last = out.filter((l) => l.startsWith('{')).pop();
  if (!last) throw new Error(`task ${args.join(' ')} printed no result`);
  const result = JSON.parse(last) as T & { peakRssMb?: number };
  // The child reports its own VmHWM at the end; the sampled one is a lower bound of it.
  return { ...result, peakRssMb: Math.round(Math.max(peak, result.peakRssMb ?? 0)) };
}
