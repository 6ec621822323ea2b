import { isIsoDate } from './dates';

describe('isIsoDate', () => {
  it('takes a calendar date that exists', () => {
    for (const text of ['2027-06-30', '2028-02-29', '2027-12-31', '0001-01-01']) expect(isIsoDate(text)).toBe(true);
  });

  it('refuses impossible dates and other shapes', () => {
    for (const value of [
      '2027-02-30',
      '2027-02-29',
      '2027-04-31',
      '2027-13-01',
      '2027-00-10',
      '2027-1-1',
      '2027-06-30T00:00:00Z',
      20270630,
      null,
    ]) {
      expect(isIsoDate(value)).toBe(false);
    }
  });
});
