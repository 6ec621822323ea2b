import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'main.js');

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every line the process wrote to stdout and stderr so far. */
  readonly lines: string[];
  /** Sends a signal and resolves with the exit code (or the signal that killed it). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts the compiled API (the global setup builds it) as `npm start` would, on a free
 * port, and resolves once it logs that it listens: waiting for output, not sleeping.
 */
export async function startApi(env: Record<string, string>, cwd: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start:\n${lines.join('\n')}`)), 30000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const match = /"msg":"accord api listening".*?"port":(\d+)|"port":(\d+).*?"msg":"accord api listening"/.exec(
          line,
        );
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1] ?? match[2]));
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`API exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    lines,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, killedBy] = (await exited) as [number | null, string | null];
      return code ?? killedBy ?? 'unknown';
    },
  };
}
