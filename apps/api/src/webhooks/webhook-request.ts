import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkTargetShape, isRefusedAddress, TargetRefusedError } from './target-url';

export interface WebhookAnswer {
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * A lookup that refuses private addresses at connection time: the address checked is the one
 * connected to, so a name that rebinds to 127.0.0.1 after the subscription was made is refused.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as unknown as { address: string; family: number }[];
    const refused = list.find((a) => isRefusedAddress(a.address));
    if (refused) {
      return callback(
        new TargetRefusedError(`${hostname} now resolves to ${refused.address}, a private or loopback address`),
        '',
        4,
      );
    }
    if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    callback(null, list[0].address, list[0].family);
  });
};

/**
 * Kept-alive connections: a delivery is a few hundred bytes, and a new TCP (and TLS) connection
 * for each cost more than the post itself. A connection is checked once, when it is made.
 */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxFreeSockets: 256, timeout: 30_000 }),
  'https:': new https.Agent({ keepAlive: true, maxFreeSockets: 256, timeout: 30_000 }),
};

/**
 * POSTs one delivery and resolves with its status or what went wrong; never rejects. The
 * answer's body is read and dropped (at most 64 KiB), and `timeoutMs` bounds the whole attempt,
 * so a receiver that hangs costs its own subscription that long and nobody else anything.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<WebhookAnswer> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = checkTargetShape(url);
    } catch (error) {
      return resolve({ statusCode: null, error: (error as Error).message });
    }
    if (!options.allowPrivate) {
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) && isRefusedAddress(host)) {
        return resolve({ statusCode: null, error: `${host} is a private, loopback or link-local address` });
      }
    }
    let settled = false;
    const finish = (answer: WebhookAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: options.allowPrivate ? undefined : publicOnlyLookup,
        agent: AGENTS[target.protocol as 'http:' | 'https:'],
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) response.destroy();
        });
        response.on('error', () => undefined);
        const done = () => finish({ statusCode: response.statusCode ?? null, error: null });
        response.on('end', done);
        response.on('close', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ statusCode: null, error: `no answer within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('socket', (socket) => socket.setNoDelay(true));
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({
        statusCode: null,
        error: error instanceof TargetRefusedError ? error.message : `${error.code ?? ''} ${error.message}`.trim(),
      }),
    );
    request.end(body);
  });
}
