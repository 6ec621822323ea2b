import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logTransport } from '../apps/api/src/infrastructure/log-format';
import { startApi } from './support/api-process';

const MAIN = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'main.js');
/** util-linux's `script` gives a command a terminal; Debian always has it (bsdutils). */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

describe('the log: readable at a terminal, JSON lines elsewhere', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'accord-logs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = (name: string) => ({
    ACCORD_STORE: `sqlite:${join(dir, `${name}.db`)}`,
    ACCORD_ADMIN_KEY: 'log-format-admin-key-0123456789',
  });

  it('picks pino-pretty only for a terminal', () => {
    expect(logTransport({ isTTY: true })?.target).toBe('pino-pretty');
    expect(logTransport({ isTTY: false })).toBeUndefined();
    expect(logTransport({})).toBeUndefined();
  });

  it('writes JSON lines to a pipe', async () => {
    const api = await startApi(env('piped'), dir);
    try {
      const listening = api.lines.find((line) => line.includes('accord api listening'))!;
      expect(JSON.parse(listening)).toMatchObject({ msg: 'accord api listening', level: 30 });
    } finally {
      await api.stop();
    }
  });

  it('writes readable lines to a terminal', async () => {
    if (!HAS_SCRIPT) throw new Error('util-linux script(1) is needed to give the API a terminal');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', TERM: 'dumb', ...env('terminal') },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 30_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('accord api listening')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    // eslint-disable-next-line no-control-regex
    const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/);
    const listening = lines.find((line) => line.includes('accord api listening'))!;
    expect(listening.trimStart().startsWith('{')).toBe(false);
    expect(listening).toMatch(/INFO/);
  });
});
