import { sampleFileSize, sampleRss } from './processes';

export interface LoadResult {
  /** 2xx responses per second of the measured run. */
  readonly okPerSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly seconds: number;
  readonly statusCodes: Record<string, number>;
  readonly serverRssPeakMb: number;
  readonly serverRssMeanMb: number;
  /** The largest size of the SQLite store's `-wal` file seen during the measured run, when asked for. */
  readonly walPeakMb?: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly key: string;
  /** The commitments whose progress is reported, in turn. */
  readonly commitmentIds: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  /** The server process whose VmRSS is sampled during the measured run. */
  readonly serverPid: number;
  /** A file (the SQLite store's `-wal`) whose size is sampled with the RSS. */
  readonly walFile?: string;
}

/** The body every request posts: percent never goes down, so 50 again is always legal. */
export const PROGRESS_BODY = JSON.stringify({
  percent: 50,
  narrative: 'Contact points named on both sides; first joint case opened.',
});

// autocannon ships no types; these are the parts used here.
interface AutocannonResult {
  duration: number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

function run(options: LoadOptions, seconds: number): Promise<AutocannonResult> {
  let next = 0;
  const ids = options.commitmentIds;
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body: PROGRESS_BODY,
        // One commitment after the other: 64 requests in flight fall on 64 different streams.
        setupRequest: (request: Record<string, unknown>) => ({
          ...request,
          path: `/commitments/${ids[next++ % ids.length]}/progress`,
        }),
      },
    ],
  });
}

/** Posts progress reports with `connections` keep-alive connections: a warm-up, then the measured run. */
export async function progressLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmUpSeconds > 0) await run(options, options.warmUpSeconds);
  const rss = sampleRss(options.serverPid, 100);
  const wal = options.walFile === undefined ? undefined : sampleFileSize(options.walFile, 100);
  const result = await run(options, options.seconds);
  const memory = rss.stop();
  const walPeakMb = wal?.stop().peakMb;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  const ok = result['2xx'];
  return {
    okPerSecond: Math.round(ok / result.duration),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    seconds: result.duration,
    statusCodes,
    serverRssPeakMb: memory.peakMb,
    serverRssMeanMb: memory.meanMb,
    ...(walPeakMb === undefined ? {} : { walPeakMb }),
  };
}
