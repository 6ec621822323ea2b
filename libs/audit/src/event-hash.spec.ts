import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { InMemoryEventStore } from '@accord/event-store';
import { chainEvents, computeEventHash, GENESIS_HASH, lastHashOf } from './event-hash';

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
