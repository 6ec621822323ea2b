import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PG_URL } from '@accord/event-store-postgres/testing/postgres-test-database';
import type { RecordedEvent } from '@accord/event-store';
import { openEventStore } from '@accord/store-factory';
import { startApi, type ApiProcess } from './support/api-process';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

/**
 * GET /events/stream on the compiled API, a child process listening on a port, over real
 * HTTP connections (an SSE answer never ends, so the in-process injection cannot carry it);
 * its refusals also in process, where the contract check validates them.
 */

interface Message {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** An SSE reader: parses messages and comments as they arrive (the WHATWG rules this API needs). */
class SseReader {
  readonly messages: Message[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  status = 0;
  contentType = '';
  contentEncoding: string | undefined;
  headers: Record<string, unknown> = {};
  ended = false;
  private text = '';
  private response: IncomingMessage | undefined;
  private readonly listeners: (() => void)[] = [];
  private readonly closeRequest: () => void;

  constructor(url: string, key: string, headers: Record<string, string> = {}) {
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
      this.response = res;
      this.status = res.statusCode ?? 0;
      this.contentType = String(res.headers['content-type'] ?? '');
      this.contentEncoding = res.headers['content-encoding'];
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.take(chunk));
      res.on('end', () => this.finish());
      res.on('error', () => this.finish());
      this.notify();
    });
    req.on('error', () => this.finish());
    req.end();
    this.closeRequest = () => req.destroy();
  }

  get ids(): number[] {
    return this.messages.map((m) => m.id);
  }

  get body(): string {
    return this.text;
  }

  /** Waits for a condition on what has arrived: waiting on data, never a sleep. */
  until(condition: (reader: SseReader) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition(this)) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        if (this.ended) {
          clearTimeout(timer);
          reject(new Error(`the stream ended before ${what}: ${JSON.stringify(this.messages.map((m) => m.event))}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      if (check()) return;
      const listener = () => {
        if (check()) this.listeners.splice(this.listeners.indexOf(listener), 1);
      };
      this.listeners.push(listener);
    });
  }

  close(): void {
    this.response?.destroy();
    this.closeRequest();
  }

  private raw = '';
  private take(chunk: string): void {
    this.text += chunk;
    this.raw += chunk;
    for (let end = this.raw.indexOf('\n\n'); end >= 0; end = this.raw.indexOf('\n\n')) {
      const block = this.raw.slice(0, end);
      this.raw = this.raw.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else {
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
      }
      if (fields.retry !== undefined) this.retry = Number(fields.retry);
      if (fields.data !== undefined) {
        this.messages.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
      }
    }
    this.notify();
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

async function send(api: ApiProcess, method: string, path: string, body: unknown, key: string) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown> & { id: string; key: string; position: number };
}

function storeUrlIn(dir: string): string {
  return process.env.ACCORD_TEST_STORE === 'postgres'
    ? `${TEST_PG_URL}?schema=accord_e2e_${process.env.ACCORD_TEST_RUN ?? 'local'}_${randomBytes(6).toString('hex')}`
    : `sqlite:${join(dir, 'accord.db')}`;
}

async function readLog(storeUrl: string): Promise<RecordedEvent[]> {
  const store = await openEventStore(storeUrl);
  try {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ after: all.at(-1)?.position ?? 0, maxCount: 1000 });
      if (page.length === 0) return all;
      all.push(...page);
    }
  } finally {
    await store.close();
  }
}

/** Resolves once the API has written a line that matches, or rejects after the timeout. */
function untilLine(api: ApiProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no log line matched ${pattern}`)), timeoutMs);
    const check = () => {
      const line = api.lines.find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        for (const stream of [api.child.stdout!, api.child.stderr!]) stream.off('data', check);
        resolve(line);
        return true;
      }
      return false;
    };
    if (check()) return;
    // Lines are pushed by readline on the same 'data', so look on the next turn.
    for (const stream of [api.child.stdout!, api.child.stderr!]) stream.on('data', () => setImmediate(check));
  });
}

const proposal = (agreementId: string, title: string) => ({
  agreementId,
  title,
  description: 'A commitment followed on the live feed',
  domain: 'cybercrime',
  leadAgencies: ['DGSN'],
});

describe('GET /events/stream (the live feed, on the API process)', () => {
  let dir: string;
  let storeUrl: string;
  let api: ApiProcess | undefined;
  const readers: SseReader[] = [];
  const open = (url: string, key: string, headers?: Record<string, string>) => {
    const reader = new SseReader(url, key, headers);
    readers.push(reader);
    return reader;
  };
  const env = (extra: Record<string, string> = {}) => ({
    ACCORD_ADMIN_KEY: ADMIN_KEY,
    ACCORD_STORE: storeUrl,
    ACCORD_SSE_HEARTBEAT_MS: '200',
    ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-sse-'));
    storeUrl = storeUrlIn(dir);
  });
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await api?.stop();
    api = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams events live as commands land, filtered, with heartbeats, and resumes across a restart with no gap and no repeat', async () => {
    api = await startApi(env({ ACCORD_CORS_ORIGINS: 'https://console.example.org' }), dir);
    const secretariat = (await send(api, 'POST', '/admin/keys', { name: 's', role: 'secretariat' }, ADMIN_KEY)).key;
    const ma = (await send(api, 'POST', '/admin/keys', { name: 'm', role: 'integration', party: 'MA' }, ADMIN_KEY)).key;
    const auditor = (await send(api, 'POST', '/admin/keys', { name: 'a', role: 'auditor' }, ADMIN_KEY)).key;
    // Events before the feed opens: from the head means they are not sent.
    const earlier = await send(api, 'POST', '/agreements', { ...MOROCCO_QATAR, title: 'Earlier' }, secretariat);

    // A client that accepts gzip still gets the stream as written: compression would hold messages back.
    const all = open(`${api.url}/events/stream`, auditor, {
      'accept-encoding': 'gzip, deflate',
      origin: 'https://console.example.org',
    });
    const proposals = open(`${api.url}/events/stream?types=CommitmentProposed&party=MA`, ma);
    const agreements = open(`${api.url}/events/stream?category=agreement`, ADMIN_KEY);
    const other = open(`${api.url}/events/stream?agreementId=${earlier.id}`, auditor);
    const repeated = open(`${api.url}/events/stream?types=SessionScheduled&types=AgreementRegistered`, ma);
    // The heartbeat shows each stream is open before anything is sent.
    await Promise.all(
      [all, proposals, agreements, other].map((r) => r.until((x) => x.comments.length > 0, 'a heartbeat')),
    );
    expect(all.status).toBe(200);
    expect(all.contentType).toBe('text/event-stream; charset=utf-8');
    expect(all.contentEncoding).toBeUndefined();
    // The headers the hooks set before the stream took the response over are kept.
    expect(all.headers['access-control-allow-origin']).toBe('https://console.example.org');
    expect(all.retry).toBeGreaterThan(0);
    expect(all.comments).toContain('heartbeat');

    const agreement = await send(api, 'POST', '/agreements', MOROCCO_QATAR, secretariat);
    await send(api, 'POST', '/commitments', proposal(agreement.id, 'One'), ma);
    await send(api, 'POST', '/commitments', proposal(agreement.id, 'Two'), ma);
    await all.until((r) => r.messages.filter((m) => m.event === 'CommitmentProposed').length === 2, 'two proposals');
    await proposals.until((r) => r.messages.length === 2, 'two proposals on the filtered feed');
    await agreements.until((r) => r.messages.length === 1, 'the agreement');
    await repeated.until((r) => r.messages.length === 1, 'the agreement, by a repeated types parameter');

    const seenLive = [...all.messages];
    expect(seenLive[0]).toMatchObject({ event: 'AgreementRegistered' });
    for (const message of seenLive) {
      expect(message.data).toMatchObject({
        specversion: '1.0',
        position: message.id,
        type: `dev.accord.${message.event}.v1`,
      });
    }
    expect(seenLive.every((m) => m.id > earlier.position)).toBe(true);
    expect(proposals.messages.map((m) => [m.event, (m.data.data as { title: string }).title])).toEqual([
      ['CommitmentProposed', 'One'],
      ['CommitmentProposed', 'Two'],
    ]);
    expect(agreements.messages.map((m) => m.data.subject)).toEqual([`agreement-${agreement.id}`]);
    // The earlier agreement's feed saw none of the new agreement's events.
    expect(other.messages).toEqual([]);

    // The reader leaves; the API restarts on the same store; commands land while it is away.
    const lastSeen = all.ids.at(-1)!;
    all.close();
    // SIGTERM with streams open: they are ended at once, so the drain does not wait them out.
    expect(await api.stop()).toBe(0);
    expect(api.lines.some((l) => l.includes('drained: every request answered'))).toBe(true);
    expect([proposals, agreements, other, repeated].every((r) => r.ended)).toBe(true);
    api = await startApi(env(), dir);
    const third = await send(api, 'POST', '/commitments', proposal(agreement.id, 'Three'), ma);
    // Last-Event-ID wins over ?after=0: the reconnection resumes after the last message seen.
    const resumed = open(`${api.url}/events/stream?after=0`, auditor, { 'last-event-id': String(lastSeen) });
    await resumed.until((r) => r.ids.includes(third.position), 'the event sent while the reader was away');
    const fourth = await send(api, 'POST', '/commitments', proposal(agreement.id, 'Four'), ma);
    await resumed.until((r) => r.ids.includes(fourth.position), 'a live event after the resumption');
    resumed.close();
    await api.stop();
    api = undefined;

    const log = await readLog(storeUrl);
    const expected = log.filter((e) => e.position > earlier.position).map((e) => e.position);
    const received = [...seenLive.map((m) => m.id), ...resumed.ids];
    expect(received).toEqual(expected.slice(0, received.length));
    expect(new Set(received).size).toBe(received.length);
    expect(received.at(-1)).toBe(fourth.position);
    expect(received).toContain(third.position);
  });

  it('refuses a stream over the per-key limit with 429 and frees the slot when the reader leaves', async () => {
    api = await startApi(env({ ACCORD_SSE_MAX_STREAMS_PER_KEY: '2' }), dir);
    const auditor = (await send(api, 'POST', '/admin/keys', { name: 'a', role: 'auditor' }, ADMIN_KEY)).key;
    const one = open(`${api.url}/events/stream`, auditor);
    const two = open(`${api.url}/events/stream`, auditor);
    await Promise.all([one, two].map((r) => r.until((x) => x.status === 200, 'the stream')));
    const three = open(`${api.url}/events/stream`, auditor);
    await three.until((r) => r.ended, 'the refusal');
    expect(three.status).toBe(429);
    expect(three.contentType).toContain('application/problem+json');
    expect(JSON.parse(three.body)).toMatchObject({ code: 'RATE_LIMITED' });
    // Another key has its own budget.
    const admin = open(`${api.url}/events/stream`, ADMIN_KEY);
    await admin.until((r) => r.status === 200, 'the admin stream');
    one.close();
    // The server sees the close on its own time: retry until the slot is free.
    let again: SseReader;
    for (;;) {
      again = open(`${api.url}/events/stream`, auditor);
      await again.until((r) => r.status !== 0, 'an answer');
      if (again.status === 200) break;
      await again.until((r) => r.ended, 'the refusal');
    }
    expect(again.status).toBe(200);
  });

  // Either way: the buffer fills in a burst (the stall clock, 4 heartbeats, is long), or the
  // socket stays full for 4 heartbeats (the buffer bound is far).
  it.each([
    ['its buffer is full', { ACCORD_SSE_MAX_BUFFER_BYTES: '65536', ACCORD_SSE_HEARTBEAT_MS: '30000' }],
    ['it stopped reading', { ACCORD_SSE_MAX_BUFFER_BYTES: '1073741824', ACCORD_SSE_HEARTBEAT_MS: '100' }],
  ])('drops a reader that stops reading (%s), while the server keeps answering', async (why, settings) => {
    api = await startApi(env({ ...settings, ACCORD_SSE_MAX_STREAMS_PER_KEY: '1' }), dir);
    const secretariat = (await send(api, 'POST', '/admin/keys', { name: 's', role: 'secretariat' }, ADMIN_KEY)).key;
    const auditor = (await send(api, 'POST', '/admin/keys', { name: 'a', role: 'auditor' }, ADMIN_KEY)).key;
    const { port } = new URL(api.url);
    // A raw connection that sends the request and never reads the answer.
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET /events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${auditor}\r\n\r\n`);
    // The answer's head shows the stream has started; from then on nothing is read.
    const head = await new Promise<string>((resolve) =>
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    socket.pause();
    expect(head).toMatch(/^HTTP\/1\.1 200/);

    // A burst: agreements of some 700 KB each, far past the buffer and the sockets' own.
    const parties = Array.from({ length: 40 }, (_, i) => ({
      code: `P${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`,
      name: `Party ${i}`,
      agencies: Array.from({ length: 100 }, (_, j) => `Agency ${j} `.padEnd(180, 'x')),
    }));
    const big = { ...MOROCCO_QATAR, parties };
    const line = untilLine(api, new RegExp(`live feed reader dropped: ${why}`), 60_000);
    let sent = 0;
    let lastBig = 0;
    let dropped = false;
    void line.then(() => (dropped = true));
    while (!dropped && sent < 40) {
      lastBig = (await send(api, 'POST', '/agreements', { ...big, title: `Big ${sent}` }, secretariat)).position;
      sent += 1;
    }
    const logged = JSON.parse(await line) as Record<string, unknown>;
    expect(logged).toMatchObject({ key: 'a', maxBufferBytes: Number(settings.ACCORD_SSE_MAX_BUFFER_BYTES) });
    expect(api.lines.filter((l) => l.includes('live feed reader dropped'))).toHaveLength(1);
    // Its subscription and slot are gone: the key may stream again, and the API answers.
    const after = open(`${api.url}/events/stream`, auditor);
    await after.until((r) => r.status !== 0, 'an answer');
    expect(after.status).toBe(200);
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(200);
    // A reader that reads catches up on the same events, each larger than the bound, and is
    // not dropped: a catch-up is paced by the socket, not buffered.
    const replay = open(`${api.url}/events/stream?after=0&types=AgreementRegistered`, ADMIN_KEY);
    await replay.until((r) => r.ids.includes(lastBig), 'every big agreement', 60_000);
    expect(replay.messages).toHaveLength(sent);
    expect(replay.ended).toBe(false);
    // The connection was destroyed: reading what the kernel held brings its end.
    socket.resume();
    await closed;
  });
});

describe('GET /events/stream refusals (in process, checked against the OpenAPI document)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it.each([
    ['types=NoSuchEvent', 'types'],
    ['types=CommitmentProposed,Nope', 'types'],
    ['category=minutes', 'category'],
    ['agreementId=not-a-uuid', 'agreementId'],
    ['party=ma', 'party'],
    ['after=-1', 'after'],
    ['after=abc', 'after'],
    ['after=1.5', 'after'],
    ['colour=blue', 'colour'],
  ])('refuses ?%s with 400 before streaming', async (query, field) => {
    const key = await app.createKey('auditor');
    const response = await app.request({ method: 'GET', url: `/events/stream?${query}`, key });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field }] });
  });

  it('refuses a Last-Event-ID that is not a position with 400', async () => {
    const key = await app.createKey('integration', 'MA');
    for (const id of ['abc', '-3', '1e3', '99999999999999999']) {
      const response = await app.request({
        method: 'GET',
        url: '/events/stream',
        key,
        headers: { 'last-event-id': id },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Last-Event-ID' }] });
    }
  });

  it('refuses a request without a valid key with 401', async () => {
    expect((await app.request({ method: 'GET', url: '/events/stream' })).statusCode).toBe(401);
    const wrong = await app.request({ method: 'GET', url: '/events/stream', key: 'not-a-key-at-all-0000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
