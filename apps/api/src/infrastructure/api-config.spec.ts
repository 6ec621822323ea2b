import { ConfigError, parseRateLimit, readApiConfig } from './api-config';

describe('ACCORD_RATE_LIMIT', () => {
  it('is off unless set', () => {
    expect(readApiConfig({}).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: '' }).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: 'off' }).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: ' OFF ' }).rateLimit).toBeUndefined();
  });

  it('reads requests per second, minute or hour, and a bare number per minute', () => {
    expect(readApiConfig({ ACCORD_RATE_LIMIT: '120/min' }).rateLimit).toEqual({
      max: 120,
      windowMs: 60_000,
      per: 'minute',
    });
    expect(parseRateLimit('120')).toEqual({ max: 120, windowMs: 60_000, per: 'minute' });
    expect(parseRateLimit('10/s')).toEqual({ max: 10, windowMs: 1_000, per: 'second' });
    expect(parseRateLimit('10/second')).toEqual({ max: 10, windowMs: 1_000, per: 'second' });
    expect(parseRateLimit('5000/h')).toEqual({ max: 5000, windowMs: 3_600_000, per: 'hour' });
    expect(parseRateLimit(' 60 / Minute ')).toEqual({ max: 60, windowMs: 60_000, per: 'minute' });
    expect(parseRateLimit('1/hour')).toEqual({ max: 1, windowMs: 3_600_000, per: 'hour' });
    expect(parseRateLimit('1000000/s')).toEqual({ max: 1_000_000, windowMs: 1_000, per: 'second' });
  });

  it.each([
    ['lots'],
    ['0/min'],
    ['-5/min'],
    ['1.5/min'],
    ['120/day'],
    ['120/'],
    ['/min'],
    ['120 per minute'],
    ['1000001/s'],
    ['120/min,10/s'],
  ])('refuses %p at start, saying what it takes', (value) => {
    expect(() => readApiConfig({ ACCORD_RATE_LIMIT: value })).toThrow(ConfigError);
    expect(() => readApiConfig({ ACCORD_RATE_LIMIT: value })).toThrow(
      `ACCORD_RATE_LIMIT must be off or requests per second, minute or hour from 1 to 1000000, such as 120/min, 10/s or 5000/h (a bare 120 is per minute); not "${value}"`,
    );
  });
});
