import {
  checkExpectedRevision,
  isSameBatch,
  isValidStreamId,
  repeatFitsExpected,
  toStoredJson,
  validateAppend,
} from './append-rules';
import { InvalidAppendError, WrongExpectedRevisionError } from './event-store.errors';
import type { ExpectedRevision, NewEvent, RecordedEvent, StreamState } from './event-store.port';

const ID = '0190a5e4-7c3b-7d2e-8f00-1a2b3c4d5e6f';
const OTHER = '0190a5e4-7c3b-7d2e-8f00-1a2b3c4d5e70';
const event = (patch: Partial<NewEvent> & Record<string, unknown> = {}): NewEvent => ({
  id: ID,
  type: 'CommitmentProposed',
  data: {},
  ...patch,
});

/** The InvalidAppendError an append gets: its message names the check that refused it. */
function refusal(attempt: () => void): string {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect(error).toMatchObject({ code: 'INVALID_APPEND', name: 'InvalidAppendError' });
    return (error as Error).message;
  }
  throw new Error('Expected the append to be refused');
}

describe('stream ids: category-id', () => {
  it.each([
    'commitment-0190a5e4-7c3b-7d2e-8f00-1a2b3c4d5e6f',
    'a-b',
    'Session_2-x.y:z-1_',
    'agreement-MA:QA.2014',
    `c-${'x'.repeat(198)}`, // 200 characters
  ])('takes %s', (streamId) => {
    expect(isValidStreamId(streamId)).toBe(true);
    expect(() => validateAppend(streamId, [event()], 'any')).not.toThrow();
  });

  it.each([
    ['no category', 'nocategory'],
    ['an empty id', 'commitment-'],
    ['an empty category', '-x'],
    ['a category that starts with a digit', '1commitment-x'],
    ['a category that starts with an underscore', '_commitment-x'],
    ['a category with a dot', 'commit.ment-x'],
    ['a space before', ' commitment-x'],
    ['a space after', 'commitment-x '],
    ['a space inside the id', 'commitment-x y'],
    ['a slash in the id', 'commitment-x/y'],
    ['a letter outside ASCII', 'commitment-é'],
    ['a newline at the end', 'commitment-x\n'],
    ['more than 200 characters', `c-${'x'.repeat(199)}`],
    ['the empty string', ''],
  ])('refuses %s', (_name, streamId) => {
    expect(isValidStreamId(streamId)).toBe(false);
    expect(refusal(() => validateAppend(streamId, [event()], 'any'))).toBe(
      `Stream id "${streamId}" is not of the form category-id`,
    );
  });

  it('refuses what is no string, even when it spells one', () => {
    const lookalike = { length: 12, toString: () => 'commitment-x' };
    for (const value of [undefined, null, 42, lookalike]) {
      expect(isValidStreamId(value as unknown as string)).toBe(false);
      expect(refusal(() => validateAppend(value as unknown as string, [event()], 'any'))).toMatch(/category-id/);
    }
  });
});

describe('validateAppend', () => {
  it('takes a well-formed batch with every kind of expected revision', () => {
    const batch = [event(), event({ id: OTHER, type: 'a.b_c9', schemaVersion: 2, data: null })];
    for (const expected of ['any', 'no_stream', 'stream_exists', 0, 7, Number.MAX_SAFE_INTEGER] as ExpectedRevision[]) {
      expect(() => validateAppend('commitment-1', batch, expected)).not.toThrow();
    }
  });

  it('refuses an empty batch, or no list at all', () => {
    for (const events of [[], undefined, { length: 1, 0: event() }, 'x']) {
      expect(refusal(() => validateAppend('commitment-1', events as unknown as NewEvent[], 'any'))).toBe(
        'An append to commitment-1 needs at least one event',
      );
    }
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '0', 'latest', null, undefined])(
    'refuses the expected revision %p',
    (expected) => {
      expect(refusal(() => validateAppend('commitment-1', [event()], expected as ExpectedRevision))).toBe(
        `Expected revision ${String(expected)} is not a revision, no_stream, stream_exists or any`,
      );
    },
  );

  it.each([
    ID.toUpperCase(),
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    'ABCDEF01-2345-6789-abcd-ef0123456789',
  ])('takes the event id %s', (id) => {
    expect(() => validateAppend('commitment-1', [event({ id })], 'any')).not.toThrow();
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['without dashes', ID.replaceAll('-', '')],
    ['with a space before', ` ${ID}`],
    ['with a character after', `${ID}0`],
    ['with a brace around', `{${ID}}`],
    ['not hexadecimal', ID.replace('a', 'g')],
    ...[0, 1, 2, 3, 4].flatMap((group) => {
      const parts = ID.split('-');
      const longer = [...parts];
      longer[group] += 'a';
      const shorter = [...parts];
      shorter[group] = shorter[group].slice(1);
      const foreign = [...parts];
      foreign[group] = `z${foreign[group].slice(1)}`;
      return [
        [`with group ${group + 1} one longer`, longer.join('-')],
        [`with group ${group + 1} one shorter`, shorter.join('-')],
        [`with a foreign character in group ${group + 1}`, foreign.join('-')],
      ] as [string, string][];
    }),
  ])('refuses an event id %s', (_name, id) => {
    expect(refusal(() => validateAppend('commitment-1', [event({ id: id as string })], 'any'))).toBe(
      `Event id "${String(id)}" is not a UUID`,
    );
  });

  it('refuses the same id twice in one batch, in any case', () => {
    expect(refusal(() => validateAppend('commitment-1', [event(), event({ id: ID.toUpperCase() })], 'any'))).toBe(
      `Event id ${ID.toUpperCase()} appears twice in one append`,
    );
    expect(() => validateAppend('commitment-1', [event(), event({ id: OTHER })], 'any')).not.toThrow();
  });

  it.each(['CommitmentProposed', 'A', 'z', 'v2.Type_name', 'Type9'])('takes the event type %s', (type) => {
    expect(() => validateAppend('commitment-1', [event({ type })], 'any')).not.toThrow();
  });

  it.each([
    ['no string', 7],
    ['empty', ''],
    ['starting with a digit', '9Type'],
    ['starting with an underscore', '_Type'],
    ['with a dash', 'Commitment-Proposed'],
    ['with a space before', ' Type'],
    ['with a space after', 'Type '],
    ['with a slash', 'a/b'],
    ['that is an array spelling a name', ['CommitmentProposed']],
  ])('refuses an event type %s', (_name, type) => {
    expect(refusal(() => validateAppend('commitment-1', [event({ type: type as string })], 'any'))).toBe(
      `Event type "${String(type)}" is not a name`,
    );
  });

  it.each([0, -1, 1.5, Number.NaN, '1', null])('refuses the schema version %p', (schemaVersion) => {
    expect(
      refusal(() => validateAppend('commitment-1', [event({ schemaVersion: schemaVersion as number })], 'any')),
    ).toBe('Schema version of CommitmentProposed must be a positive integer');
  });

  it('refuses an id that is no string, even one that spells a UUID', () => {
    const lookalike = { toString: () => ID };
    expect(refusal(() => validateAppend('commitment-1', [event({ id: lookalike as unknown as string })], 'any'))).toBe(
      `Event id "${ID}" is not a UUID`,
    );
  });

  it('takes schema version 1, the first', () => {
    expect(() => validateAppend('commitment-1', [event({ schemaVersion: 1 })], 'any')).not.toThrow();
  });

  it('takes any data but none, null included', () => {
    expect(refusal(() => validateAppend('commitment-1', [event({ data: undefined })], 'any'))).toBe(
      'Event CommitmentProposed has no data',
    );
    for (const data of [null, 0, '', false, []]) {
      expect(() => validateAppend('commitment-1', [event({ data })], 'any')).not.toThrow();
    }
  });

  it('checks every event of the batch, not the first only', () => {
    expect(refusal(() => validateAppend('commitment-1', [event(), event({ id: OTHER, data: undefined })], 'any'))).toBe(
      'Event CommitmentProposed has no data',
    );
  });
});

describe('checkExpectedRevision', () => {
  const cases: [ExpectedRevision, StreamState, boolean][] = [
    ['any', 'no_stream', true],
    ['any', 3, true],
    ['no_stream', 'no_stream', true],
    ['no_stream', 0, false],
    ['stream_exists', 'no_stream', false],
    ['stream_exists', 0, true],
    [0, 0, true],
    [0, 'no_stream', false],
    [2, 2, true],
    [2, 1, false],
    [2, 3, false],
  ];
  it.each(cases)('expected %p, current %p: %p', (expected, current, ok) => {
    const check = () => checkExpectedRevision('commitment-1', expected, current);
    if (ok) {
      expect(check).not.toThrow();
    } else {
      expect(check).toThrow(WrongExpectedRevisionError);
      expect(check).toThrow(expect.objectContaining({ streamId: 'commitment-1', expected, actual: current }));
    }
  });
});

describe('repeatFitsExpected', () => {
  it('fits any point for any and stream_exists, the start for no_stream, the next revision for a number', () => {
    for (const first of [0, 1, 5]) {
      expect(repeatFitsExpected('any', first)).toBe(true);
      expect(repeatFitsExpected('stream_exists', first)).toBe(true);
      expect(repeatFitsExpected('no_stream', first)).toBe(first === 0);
    }
    expect(repeatFitsExpected(4, 5)).toBe(true);
    expect(repeatFitsExpected(4, 4)).toBe(false);
    expect(repeatFitsExpected(4, 6)).toBe(false);
    expect(repeatFitsExpected(0, 1)).toBe(true);
    expect(repeatFitsExpected(0, 0)).toBe(false);
  });
});

describe('isSameBatch', () => {
  const recorded = (id: string) => ({ id }) as RecordedEvent;
  it('is the same ids in the same order, whatever their case', () => {
    expect(isSameBatch([event(), event({ id: OTHER })], [recorded(ID.toUpperCase()), recorded(OTHER)])).toBe(true);
    expect(isSameBatch([event({ id: ID.toUpperCase() })], [recorded(ID)])).toBe(true);
    expect(isSameBatch([event(), event({ id: OTHER })], [recorded(OTHER), recorded(ID)])).toBe(false);
    expect(isSameBatch([event(), event({ id: OTHER })], [recorded(ID)])).toBe(false);
    expect(isSameBatch([event()], [recorded(ID), recorded(OTHER)])).toBe(false);
    expect(isSameBatch([event()], [recorded(OTHER)])).toBe(false);
  });
});

describe('toStoredJson', () => {
  it('is the canonical JSON of the value', () => {
    expect(toStoredJson({ b: [1, 'é'], a: 1e21 }, 'Data')).toBe('{"a":1e+21,"b":[1,"é"]}');
    expect(toStoredJson(null, 'Data')).toBe('null');
  });

  it('refuses what JSON cannot hold, naming what it was and why', () => {
    expect(() => toStoredJson({ n: Number.NaN }, 'Data of T')).toThrow(
      new InvalidAppendError('Data of T cannot be stored as JSON: NaN is not allowed'),
    );
    expect(() => toStoredJson(1n, 'Metadata of T')).toThrow(InvalidAppendError);
    expect(() => toStoredJson(1n, 'Metadata of T')).toThrow(/^Metadata of T cannot be stored as JSON: .*BigInt/);
    for (const value of [undefined, () => 1, Symbol('s')]) {
      expect(() => toStoredJson(value, 'Data of T')).toThrow(
        new InvalidAppendError('Data of T cannot be stored as JSON'),
      );
    }
  });
});
