import { RecordPositions } from './kurrentdb-record-positions';

describe('RecordPositions', () => {
  it('finds the closest known record strictly before a position, or the beginning of the log', () => {
    const known = new RecordPositions();
    for (const p of [5000, 1024, 3000, 3000, 0, -7, 2.5]) known.add(p);
    expect(known.size).toBe(3);
    expect(known.has(3000)).toBe(true);
    expect(known.has(2999)).toBe(false);
    expect(known.before(1024)).toBe(0);
    expect(known.before(1025)).toBe(1024);
    expect(known.before(3000)).toBe(1024);
    expect(known.before(4999)).toBe(3000);
    expect(known.before(Number.MAX_SAFE_INTEGER)).toBe(5000);
  });

  it('stays within its capacity by forgetting every other position, and keeps the latest', () => {
    const known = new RecordPositions(8);
    for (let p = 1; p <= 100; p++) known.add(p * 100);
    expect(known.size).toBeLessThanOrEqual(8);
    expect(known.has(10_000)).toBe(true);
    // Spread over the log: a position well before the end still has a record before it.
    expect(known.before(5_000)).toBeGreaterThan(0);
    expect(known.before(5_000)).toBeLessThan(5_000);
  });
});
