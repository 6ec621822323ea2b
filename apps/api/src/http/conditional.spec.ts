import { ifNoneMatchMatches } from './conditional';

describe('ifNoneMatchMatches (RFC 9110 §13.1.2)', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['"3"', true],
    ['W/"3"', true],
    ['"2"', false],
    ['"1", "2", W/"3"', true],
    ['"1","2"', false],
    ['*', true],
    [' * ', true],
    ['"33"', false],
    ['3', false],
  ])('If-None-Match %p against "3" → %p', (header, matches) => {
    expect(ifNoneMatchMatches(header, '"3"')).toBe(matches);
  });

  it('reads a header sent more than once as one list', () => {
    expect(ifNoneMatchMatches(['"1"', 'W/"3"'], '"3"')).toBe(true);
  });
});
