import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { InMemoryEventStore, type RecordedEvent, type StoredEvent } from '@accord/event-store';
import { generator } from '@accord/event-store/testing/random-json';
import { chainEvents, computeEventHash, GENESIS_HASH, lastHashOf, storedEventHash } from './event-hash';

describe('the hash chain', () => {
  it('hashes the RFC 8785 canonical form: key order and number spelling do not matter', () => {
    const base = { streamId: 's-1', revision: 0, id: 'e', type: 'T', schemaVersion: 1 };
    const a = computeEventHash({ ...base, data: { b: 1, a: [1e21, 0.1, 'é'] }, metadata: { x: 1 } });
    const b = computeEventHash({
      ...base,
      data: { a: [1000000000000000000000, 0.1, 'é'], b: 1.0 },
      metadata: { x: 1 },
    });
    expect(a).toBe(b);
    const canonical =
      '{"data":{"a":[1e+21,0.1,"é"],"b":1},"id":"e","metadata":{"x":1},"revision":0,"schemaVersion":1,"streamId":"s-1","type":"T"}';
    expect(a).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
  });

  it('ignores metadata.hash itself and covers everything else', () => {
    const event = { streamId: 's-1', revision: 3, id: 'e', type: 'T', schemaVersion: 1, data: { n: 1 }, metadata: {} };
    const hash = computeEventHash(event);
    expect(computeEventHash({ ...event, metadata: { hash: 'whatever' } })).toBe(hash);
    for (const changed of [
      { ...event, revision: 4 },
      { ...event, streamId: 's-2' },
      { ...event, type: 'U' },
      { ...event, schemaVersion: 2 },
      { ...event, data: { n: 2 } },
      { ...event, metadata: { prevHash: GENESIS_HASH } },
    ]) {
      expect(computeEventHash(changed)).not.toBe(hash);
    }
  });

  it('links each event to the one before it, across appends, from 64 zeros', async () => {
    const store = new InMemoryEventStore();
    const stream = `commitment-${randomUUID()}`;
    const first = chainEvents(stream, 0, GENESIS_HASH, [
      { id: randomUUID(), type: 'A', data: { i: 1 } },
      { id: randomUUID(), type: 'B', data: { i: 2 } },
    ]);
    await store.append(stream, first, { expectedRevision: 'no_stream' });
    const read = await store.readStream(stream);
    const second = chainEvents(stream, 2, lastHashOf(read), [{ id: randomUUID(), type: 'C', data: { i: 3 } }]);
    await store.append(stream, second, { expectedRevision: 1 });
    const all = await store.readStream(stream);
    expect(all[0].metadata.prevHash).toBe(GENESIS_HASH);
    for (let i = 0; i < all.length; i++) {
      expect(all[i].metadata.hash).toBe(computeEventHash(all[i]));
      if (i > 0) expect(all[i].metadata.prevHash).toBe(all[i - 1].metadata.hash);
    }
    await store.close();
  });
});

describe('computeEventHash against the reference', () => {
  it('gives computeEventHash the hash the reference implementation gives, on 5,000 random events', () => {
    const { value, text, next } = generator(4242);
    const reference = (event: Parameters<typeof computeEventHash>[0]): string => {
      const { hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
      const { streamId, revision, id, type, schemaVersion, data } = event;
      const canonical = canonicalize({ streamId, revision, id, type, schemaVersion, data, metadata });
      return createHash('sha256').update(canonical!, 'utf8').digest('hex');
    };
    for (let i = 0; i < 5000; i++) {
      const event = {
        streamId: `commitment-${text()}`,
        revision: Math.floor(next() * 100),
        id: text(),
        type: text(),
        schemaVersion: 1 + Math.floor(next() * 3),
        data: value(1),
        metadata: {
          commandId: text(),
          actor: { id: text(), role: 'integration', party: 'MA' },
          occurredAt: new Date(Math.floor(next() * 2e12)).toISOString(),
          prevHash: GENESIS_HASH,
          hash: 'ignored',
          extra: value(2),
        },
      };
      expect(computeEventHash(event)).toBe(reference(event));
    }
    const base = { streamId: 's-1', revision: 1, id: 'e', type: 'T', schemaVersion: 1, data: { b: 1, a: 2 } };
    const odd = [
      { ...base, metadata: { hash: 'x', toJSON: () => ({ z: 1 }) } },
      { ...base, metadata: ['a', 'b'] as unknown as Record<string, unknown> },
      { ...base, data: undefined, metadata: { z: undefined, hash: 'h', a: new Date(0) } },
      { ...base, id: undefined as unknown as string, metadata: { f: () => 1 } },
      { ...base, metadata: Object.assign(Object.create({ inherited: 1, toJSON: () => 'no' }), { own: 1, hash: 'h' }) },
      { ...base, position: 7, recordedAt: 'then', metadata: {} } as Parameters<typeof computeEventHash>[0],
      // Not objects at all: spread into an object as the reference spreads them.
      { ...base, metadata: 'ab' as unknown as Record<string, unknown> },
      { ...base, metadata: 5 as unknown as Record<string, unknown> },
    ];
    for (const event of odd) expect(computeEventHash(event)).toBe(reference(event));
    for (const metadata of [null, undefined]) {
      const event = { ...base, metadata: metadata as unknown as Record<string, unknown> };
      expect(() => reference(event)).toThrow(TypeError);
      expect(() => computeEventHash(event)).toThrow(TypeError);
    }
    expect(() => computeEventHash({ ...base, revision: NaN, metadata: {} })).toThrow('NaN is not allowed');
  });
});

describe('the chain, link by link', () => {
  it('starts from 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  });

  it('chains a batch from the hash it is given, numbering revisions from nextRevision', () => {
    const stream = 'commitment-1';
    const [a, b] = chainEvents(stream, 5, 'f'.repeat(64), [
      { id: 'e-1', type: 'A', data: { i: 1 }, metadata: { actor: 'x' } },
      { id: 'e-2', type: 'B', schemaVersion: 3, data: { i: 2 } },
    ]);
    expect(a).toEqual({
      id: 'e-1',
      type: 'A',
      schemaVersion: 1,
      data: { i: 1 },
      metadata: { actor: 'x', prevHash: 'f'.repeat(64), hash: a.metadata!.hash },
    });
    expect(a.metadata!.hash).toBe(
      computeEventHash({
        streamId: stream,
        revision: 5,
        id: 'e-1',
        type: 'A',
        schemaVersion: 1,
        data: { i: 1 },
        metadata: a.metadata!,
      }),
    );
    expect(b.schemaVersion).toBe(3);
    expect(b.metadata).toEqual({ prevHash: a.metadata!.hash, hash: b.metadata!.hash });
    expect(b.metadata!.hash).toBe(
      computeEventHash({
        streamId: stream,
        revision: 6,
        id: 'e-2',
        type: 'B',
        schemaVersion: 3,
        data: { i: 2 },
        metadata: b.metadata!,
      }),
    );
    expect(chainEvents(stream, 0, GENESIS_HASH, [])).toEqual([]);
  });

  const recorded = (metadata: Record<string, unknown>): RecordedEvent => ({
    streamId: 'commitment-1',
    revision: 0,
    position: 1,
    id: 'e',
    type: 'T',
    schemaVersion: 1,
    data: {},
    metadata,
    recordedAt: new Date(0).toISOString(),
  });

  it('chains the first append of a stream onto 64 zeros, and the next onto the last hash read', () => {
    expect(lastHashOf([])).toBe(GENESIS_HASH);
    expect(lastHashOf([recorded({ hash: 'a'.repeat(64) }), recorded({ hash: 'b'.repeat(64) })])).toBe('b'.repeat(64));
    // An event written before the chain existed carries no hash: the chain starts again after it.
    expect(lastHashOf([recorded({ hash: 'a'.repeat(64) }), recorded({})])).toBe(GENESIS_HASH);
    expect(lastHashOf([recorded({ hash: 7 })])).toBe(GENESIS_HASH);
  });
});

describe('storedEventHash: the hash of the stored text', () => {
  /** The event as a store that keeps canonical text hands it over, with its metadata text as given. */
  function stored(metadata: Record<string, unknown>, metadataJson = canonicalize(metadata)!): StoredEvent {
    const data = { b: [1, 'é'], a: null };
    return {
      streamId: 'commitment-1',
      revision: 4,
      position: 9,
      id: '0190a5e4-7c3b-7d2e-8f00-1a2b3c4d5e6f',
      type: 'ProgressReported',
      schemaVersion: 2,
      data,
      metadata,
      recordedAt: new Date(0).toISOString(),
      dataJson: canonicalize(data)!,
      metadataJson,
    };
  }
  const hash = 'c'.repeat(64);

  it.each<[string, Record<string, unknown>]>([
    ['first, as chainEvents writes it for an event with no other metadata', { hash, prevHash: GENESIS_HASH }],
    ['in the middle', { actor: 'a', hash, prevHash: GENESIS_HASH }],
    ['last', { actor: 'a', hash }],
    ['alone', { hash }],
  ])('is computeEventHash when the hash member comes %s', (_where, metadata) => {
    const event = stored(metadata);
    expect(storedEventHash(event)).toBe(computeEventHash(event));
  });

  it('is computeEventHash over a whole chained stream', () => {
    const events = chainEvents('commitment-1', 0, GENESIS_HASH, [
      { id: 'e-1', type: 'A', data: { i: 1 } },
      { id: 'e-2', type: 'B', data: { i: 2 }, metadata: { zeta: 1, actor: { id: 'x' } } },
    ]);
    for (const [revision, event] of events.entries()) {
      const text = stored(event.metadata as Record<string, unknown>);
      const recordedEvent = { ...text, ...event, revision, schemaVersion: 1, dataJson: canonicalize(event.data)! };
      expect(storedEventHash(recordedEvent)).toBe(event.metadata!.hash);
    }
  });

  it('gives up when there is no hash to leave out, or the text does not hold it', () => {
    expect(storedEventHash(stored({ prevHash: GENESIS_HASH }))).toBeUndefined();
    expect(storedEventHash(stored({ hash: 42 }))).toBeUndefined();
    expect(storedEventHash(stored({ hash }, `{"hash": "${hash}"}`))).toBeUndefined();
  });

  it('gives another hash, never a false match, for text that is not canonical', () => {
    const event = stored({ zeta: 1, hash, actor: 'a' }, `{"zeta":1,"hash":"${hash}","actor":"a"}`);
    expect(storedEventHash(event)).toBeDefined();
    expect(storedEventHash(event)).not.toBe(computeEventHash(event));
  });
});
