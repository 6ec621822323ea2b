import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly disk: string;
  readonly kernel: string;
  readonly node: string;
  readonly postgres?: string;
  readonly loadAverage: number[];
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** What the figures were measured on: /proc/cpuinfo, nproc, memory, and the disk under `dir`. */
export function describeMachine(dir: string, postgres?: string): Machine {
  let cpu = 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim();
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1];
    cpu = `${model ?? 'unknown'}${mhz ? ` (${Math.round(Number(mhz))} MHz)` : ''}`;
  } catch {
    // not Linux
  }
  const [source, fstype, size] =
    run('df', ['--output=source,fstype,size', '-h', dir]).split('\n')[1]?.trim().split(/\s+/) ?? [];
  const device = source?.replace(/^\/dev\//, '').replace(/\d+$/, '');
  let rotational = '';
  try {
    rotational =
      readFileSync(`/sys/block/${device}/queue/rotational`, 'utf8').trim() === '1' ? ', reported rotational' : ', SSD';
  } catch {
    // unknown device
  }
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    disk: source
      ? `${source} (${fstype}, ${size}${rotational}${device?.startsWith('vd') ? ', virtio' : ''})`
      : 'unknown',
    kernel: release(),
    node: process.version,
    ...(postgres ? { postgres } : {}),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}
