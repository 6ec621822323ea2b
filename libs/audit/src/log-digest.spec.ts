import { createHash, randomUUID } from 'node:crypto';
import { InMemoryEventStore, type EventStore, type ReadAllOptions, type RecordedEvent } from '@accord/event-store';
import { chainEvents, computeEventHash, GENESIS_HASH } from './event-hash';
import {
  digestLog,
  EMPTY_LOG_DIGEST,
  hashOf,
  InvalidDigestError,
  nextDigest,
  parseLogDigest,
  RunningDigest,
  type LogDigest,
} from './log-digest';

const sha256 = (text: string) => createHash('sha256').update(text, 'ascii').digest('hex');
const h = (n: number) => n.toString(16).padStart(64, '0');

/** `count` chained events over two streams, appended one by one so that their order is known. */
async function logOf(count: number): Promise<{ store: InMemoryEventStore; hashes: string[] }> {
  const store = new InMemoryEventStore();
  const streams = [`commitment-${randomUUID()}`, `session-${randomUUID()}`];
  const last = [GENESIS_HASH, GENESIS_HASH];
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = i % 2;
    const [event] = chainEvents(streams[s], Math.floor(i / 2), last[s], [
      { id: randomUUID(), type: 'ProgressReported', data: { i } },
    ]);
    await store.append(streams[s], [event], { expectedRevision: i < 2 ? 'no_stream' : Math.floor(i / 2) - 1 });
    last[s] = event.metadata!.hash as string;
    hashes.push(last[s]);
  }
  return { store, hashes };
}

/** The digest by its definition: digest_n = sha256(digest_{n-1} || h_n), from 64 zeros. */
const byDefinition = (hashes: readonly string[]) =>
  hashes.reduce((digest, hash) => sha256(digest + hash), '0'.repeat(64));

describe('the running digest of the log', () => {
  it('starts from 64 zeros at position 0, covering nothing', () => {
    expect(EMPTY_LOG_DIGEST).toEqual({ position: 0, count: 0, digest: '0'.repeat(64) });
    expect(new RunningDigest().snapshot()).toEqual(EMPTY_LOG_DIGEST);
  });

  it('advances by one SHA-256 over the ASCII text of the previous digest and the hash', () => {
    expect(nextDigest(h(1), h(2))).toBe(sha256(h(1) + h(2)));
    expect(nextDigest(h(2), h(1))).not.toBe(nextDigest(h(1), h(2)));
  });

  it('counts the events it covers and remembers the position of the last', () => {
    const running = new RunningDigest();
    running.add(3, h(1));
    running.add(7, h(2));
    expect(running.snapshot()).toEqual({ position: 7, count: 2, digest: byDefinition([h(1), h(2)]) });
    // A snapshot is a copy: adding more does not change it.
    const saved = running.snapshot();
    running.add(9, h(3));
    expect(saved).toEqual({ position: 7, count: 2, digest: byDefinition([h(1), h(2)]) });
  });

  it('resumes from a saved witness', () => {
    const running = new RunningDigest({ position: 7, count: 2, digest: byDefinition([h(1), h(2)]) });
    running.add(9, h(3));
    expect(running.snapshot()).toEqual({ position: 9, count: 3, digest: byDefinition([h(1), h(2), h(3)]) });
  });

  it('takes the hash an event carries, and computes it for an event that carries none', () => {
    const event: RecordedEvent = {
      streamId: 'commitment-1',
      revision: 0,
      position: 1,
      id: randomUUID(),
      type: 'T',
      schemaVersion: 1,
      data: { n: 1 },
      metadata: { hash: h(5) },
      recordedAt: new Date(0).toISOString(),
    };
    expect(hashOf(event)).toBe(h(5));
    const unhashed = { ...event, metadata: { other: 1 } };
    expect(hashOf(unhashed)).toBe(computeEventHash(unhashed));
    expect(hashOf({ ...event, metadata: { hash: 42 } })).toBe(computeEventHash({ ...event, metadata: { hash: 42 } }));
  });
});

describe('digestLog', () => {
  it('digests the empty log to the empty digest', async () => {
    expect(await digestLog(new InMemoryEventStore())).toEqual(EMPTY_LOG_DIGEST);
  });

  it('digests every event in position order, page after page', async () => {
    const { store, hashes } = await logOf(7);
    const head = await store.headPosition();
    const expected = { position: head, count: 7, digest: byDefinition(hashes) };
    expect(await digestLog(store)).toEqual(expected);
    const pages: ReadAllOptions[] = [];
    const counting: EventStore = Object.create(store, {
      readAll: { value: (options: ReadAllOptions) => (pages.push(options), store.readAll(options)) },
    });
    expect(await digestLog(counting, EMPTY_LOG_DIGEST, { pageSize: 3 })).toEqual(expected);
    expect(pages.map((page) => page.maxCount)).toEqual([3, 3, 3, 3]);
    expect(pages[0].after).toBe(0);
    expect(pages[3].after).toBe(head);
    pages.length = 0;
    expect(await digestLog(counting)).toEqual(expected);
    expect(pages.map((page) => page.maxCount)).toEqual([1000, 1000]);
  });

  it('extends a saved witness with what was appended since', async () => {
    const { store, hashes } = await logOf(5);
    const all = await store.readAll({ after: 0, maxCount: 100 });
    const saved: LogDigest = { position: all[2].position, count: 3, digest: byDefinition(hashes.slice(0, 3)) };
    expect(await digestLog(store, saved)).toEqual(await digestLog(store));
  });
});

describe('parseLogDigest', () => {
  const valid = { position: 12, count: 3, digest: h(0xabc) };

  it('takes a witness as GET /audit/digest gives it, and only its three fields', () => {
    expect(parseLogDigest(valid)).toEqual(valid);
    expect(parseLogDigest({ ...valid, extra: true })).toEqual(valid);
    expect(parseLogDigest(EMPTY_LOG_DIGEST)).toEqual(EMPTY_LOG_DIGEST);
    expect(parseLogDigest({ position: 0, count: 0, digest: GENESIS_HASH })).toEqual(EMPTY_LOG_DIGEST);
  });

  it.each<[string, unknown, RegExp]>([
    ['nothing', undefined, /position/],
    ['null', null, /position/],
    ['a position as text', { ...valid, position: '12' }, /position/],
    ['a negative position', { ...valid, position: -1 }, /position/],
    ['a fractional position', { ...valid, position: 1.5 }, /position/],
    ['an unsafe position', { ...valid, position: 2 ** 53 }, /position/],
    ['a count as text', { ...valid, count: '3' }, /count/],
    ['a negative count', { ...valid, count: -1 }, /count/],
    ['a fractional count', { ...valid, count: 0.5 }, /count/],
    ['an unsafe count', { ...valid, count: 2 ** 53 }, /count/],
    ['a digest that is no text', { ...valid, digest: 7 }, /digest/],
    ['upper-case hex', { ...valid, digest: h(0xabc).toUpperCase() }, /digest/],
    ['63 characters', { ...valid, digest: h(1).slice(1) }, /digest/],
    ['65 characters', { ...valid, digest: `${h(1)}0` }, /digest/],
    ['hex inside other text', { ...valid, digest: ` ${h(1)} ` }, /digest/],
    ['no events with another digest', { ...valid, count: 0 }, /64 zeros/],
  ])('refuses %s', (_name, value, field) => {
    expect(() => parseLogDigest(value)).toThrow(InvalidDigestError);
    expect(() => parseLogDigest(value)).toThrow(field);
  });

  it('accepts the largest safe position and count', () => {
    const max = { position: Number.MAX_SAFE_INTEGER, count: Number.MAX_SAFE_INTEGER, digest: h(1) };
    expect(parseLogDigest(max)).toEqual(max);
  });

  it('names its error', () => {
    expect(new InvalidDigestError('x')).toMatchObject({ name: 'InvalidDigestError', message: 'x' });
  });
});
