import { BODY_SHAPE_LIMITS, checkBodyValue, checkJsonShape } from './body-shape';

const { maxDepth, maxArrayLength, maxKeys, maxValues } = BODY_SHAPE_LIMITS;
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;

describe('checkJsonShape: the shape of a body, measured on its text', () => {
  it.each([
    ['the body nested to the limit', nested(maxDepth)],
    ['an array at the limit', JSON.stringify({ a: Array(maxArrayLength).fill(1) })],
    ['an object at the key limit', keys(maxKeys)],
    [
      'brackets, commas and escaped quotes inside strings',
      JSON.stringify({ a: '[[[[{{{{,,,,\\"]]]', b: ['"[', '\\'] }),
    ],
    ['scalars and whitespace', ' { "a" : [ 1 , -2.5e3 , true , false , null , "x" ] } '],
  ])('lets %s through', (_name, text) => {
    expect(checkJsonShape(text)).toBeUndefined();
  });

  it('refuses one level too deep, naming where', () => {
    expect(checkJsonShape(nested(maxDepth + 1))).toEqual({
      field: Array(maxDepth).fill('0').join('.'),
      message: expect.stringContaining(`more than ${maxDepth} levels`),
    });
    expect(checkJsonShape(`{"evidence":${nested(5000)}}`)?.message).toMatch(/levels deep/);
  });

  it('refuses an array one entry too long, naming it with its path', () => {
    const text = JSON.stringify({ parties: [{ agencies: Array(maxArrayLength + 1).fill('x') }] });
    expect(checkJsonShape(text)).toEqual({
      field: 'parties.0.agencies',
      message: `parties.0.agencies has more than ${maxArrayLength} entries`,
    });
  });

  it('refuses an object with one key too many', () => {
    expect(checkJsonShape(`{"x":${keys(maxKeys + 1)}}`)).toEqual({
      field: 'x',
      message: `x has more than ${maxKeys} keys`,
    });
  });

  it('refuses a body of more values than the limit, however they are spread', () => {
    const rows = Array.from({ length: Math.ceil(maxValues / 50) }, () => Array(49).fill(0));
    expect(checkJsonShape(JSON.stringify({ rows: rows.slice(0, 99) }))).toBeUndefined();
    expect(checkJsonShape(JSON.stringify({ a: rows.slice(0, 60), b: rows.slice(60) }))).toEqual({
      field: 'body',
      message: `the body holds more than ${maxValues} values`,
    });
  });

  it('stops at the first entry over the limit of a 250,000-entry array, reading no further', () => {
    expect(checkJsonShape(`{"evidence":[${Array(250_000).fill('{}').join(',')}]}`)).toEqual({
      field: 'evidence',
      message: expect.stringContaining('100'),
    });
    // Past the 101st entry the text is 100,000 unclosed arrays: a measure that read on would
    // report their depth (or overflow its stack), not the array's length.
    expect(checkJsonShape(`{"evidence":[${Array(101).fill('{}').join(',')},${'['.repeat(100_000)}`)?.field).toBe(
      'evidence',
    );
  });

  it('names a key with escapes as JSON reads it', () => {
    const text = `{"a\\"b":[${Array(maxArrayLength + 1).fill(0)}]}`;
    expect(checkJsonShape(text)?.field).toBe('a"b');
  });

  it('lets the largest agreement the DTOs allow through (50 parties of 100 agencies, 100 domains)', () => {
    const body = {
      id: '00000000-0000-4000-8000-000000000000',
      title: 't',
      signedAt: '2014-03-12',
      signedIn: 'Rabat',
      parties: Array.from({ length: 50 }, (_, p) => ({
        code: `P${p}`,
        name: 'n',
        agencies: Array.from({ length: 100 }, (_, a) => `agency ${a}`),
      })),
      domains: Array.from({ length: 100 }, (_, d) => `domain ${d}`),
    };
    expect(checkJsonShape(JSON.stringify(body))).toBeUndefined();
  });
});

describe('checkBodyValue: a command body is an object of storable text', () => {
  it.each([null, [], 'x', 3, true])('refuses %p as a body', (body) => {
    expect(checkBodyValue(body)).toEqual({ field: 'body', message: 'the body must be a JSON object' });
  });

  it('names the field holding a NUL, at any depth', () => {
    expect(checkBodyValue({ narrative: 'a\u0000b' })).toEqual({
      field: 'narrative',
      message: 'narrative must not contain U+0000 (NUL)',
    });
    expect(checkBodyValue({ evidence: [{ title: 'ok' }, { title: '\u0000' }] })?.field).toBe('evidence.1.title');
  });

  it('refuses lone surrogates, high or low, and keeps pairs', () => {
    expect(checkBodyValue({ note: 'x\uD800' })?.message).toBe('note must not contain a lone UTF-16 surrogate');
    expect(checkBodyValue({ note: '\uDC00x' })?.field).toBe('note');
    expect(checkBodyValue({ note: '\uDBFF\uDBFF\uDFFF' })?.field).toBe('note');
    expect(checkBodyValue({ note: 'Doha \uD83C\uDFDF\uFE0F', list: ['é', '中文'] })).toBeUndefined();
  });

  it('refuses such text in keys too, and never shows it raw', () => {
    const violation = checkBodyValue({ parties: [{ ['co\u0000de']: 'MA' }] });
    expect(violation).toEqual({
      field: 'parties.0.co\\u0000de',
      message: 'the key "co\\u0000de" must not contain U+0000 (NUL)',
    });
    expect(JSON.stringify(violation)).not.toContain('\u0000');
    expect(checkBodyValue({ ['\uD800']: 1 })?.field).toBe('\\ud800');
  });
});
