import { parseInstant } from './event-time';

describe('parseInstant', () => {
  it('reads an instant with its offset', () => {
    expect(parseInstant('2027-01-31T12:00:00Z')).toBe(Date.UTC(2027, 0, 31, 12));
    expect(parseInstant('2027-01-31T13:00:00.250+01:00')).toBe(Date.UTC(2027, 0, 31, 12, 0, 0, 250));
    expect(parseInstant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it('refuses a day that does not exist, which Date.parse would roll over', () => {
    expect(Date.parse('2027-02-30T00:00:00Z')).not.toBeNaN();
    for (const text of [
      '2027-02-30T00:00:00Z',
      '2027-02-29T00:00:00Z',
      '2027-04-31T00:00:00Z',
      '2027-13-01T00:00:00Z',
    ]) {
      expect(parseInstant(text)).toBeUndefined();
    }
  });

  it('refuses an instant without an offset, or text that is not one', () => {
    expect(parseInstant('2027-01-31T12:00:00')).toBeUndefined();
    expect(parseInstant('2027-01-31')).toBeUndefined();
    expect(parseInstant('yesterday')).toBeUndefined();
  });
});
