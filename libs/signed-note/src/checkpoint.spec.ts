import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint';
import { MalformedCheckpointError } from './errors';
import { parseNote } from './note';
import { C2SP_CHECKPOINT, SUM_GOLANG_ORG } from './testing/published-vectors';

const ROOT = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

describe('the checkpoint body', () => {
  it("reads the C2SP example's origin, size and root, and writes it back byte for byte", () => {
    const { text } = parseNote(C2SP_CHECKPOINT.note);
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: new Uint8Array(Buffer.from(ROOT, 'base64')),
      extensions: [],
    });
    expect(formatCheckpoint(checkpoint)).toBe(text);
  });

  it("reads sum.golang.org's published checkpoints and writes them back byte for byte", () => {
    for (const { note, size } of SUM_GOLANG_ORG.checkpoints) {
      const { text } = parseNote(note);
      const checkpoint = parseCheckpoint(text);
      expect([checkpoint.origin, checkpoint.size]).toEqual([SUM_GOLANG_ORG.origin, size]);
      expect(formatCheckpoint(checkpoint)).toBe(text);
    }
  });

  it('keeps extension lines, in order, and an origin of any form (clients may not assume one)', () => {
    const text = `Moon Log\n4027504\n${ROOT}\n6086d1a9\nWaxing gibbous\n`;
    const checkpoint = parseCheckpoint(text);
    expect([checkpoint.origin, checkpoint.extensions]).toEqual(['Moon Log', ['6086d1a9', 'Waxing gibbous']]);
    expect(formatCheckpoint(checkpoint)).toBe(text);
  });

  it('takes 0 for the empty tree, and sizes up to 2^53 − 1', () => {
    expect(parseCheckpoint(`o\n0\n${ROOT}\n`).size).toBe(0);
    expect(parseCheckpoint(`o\n9007199254740991\n${ROOT}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['two lines', 'Head\n9944\n', '2 line(s)'],
    ['an empty origin', `\n9944\n${ROOT}\n`, 'line 1: the origin is empty'],
    ['no final newline', `Log\n123\n${ROOT}`, 'does not end in a newline'],
    ['a size that is not a number', `Log\nbananas\n${ROOT}\n`, 'line 2'],
    ['a negative size', `Log\n-34\n${ROOT}\n`, 'line 2'],
    ['a leading zero', `Log\n0123\n${ROOT}\n`, 'without leading zeros'],
    ['"00"', `Log\n00\n${ROOT}\n`, 'without leading zeros'],
    ['a plus sign', `Log\n+1\n${ROOT}\n`, 'line 2'],
    ['a space', `Log\n 1\n${ROOT}\n`, 'line 2'],
    ['a size past 2^53 − 1', `Log\n3438945738945739845734895735\n${ROOT}\n`, 'exceeds 2^53 − 1'],
    ['a root that is not base64', "Log\n123\nThisIsn'tBase64\n", 'line 3'],
    ['a root without padding', `Log\n123\n${ROOT.slice(0, -1)}\n`, 'line 3'],
    ['a root of 7 bytes', 'Log\n123\nYmFuYW5hcw==\n', 'is 7 bytes, not 32'],
    ['empty extension lines', `Log\n9944\n${ROOT}\n\n\n\n`, 'line 4: an extension line is empty'],
    ['a control character', `Log\t1\n9944\n${ROOT}\n`, 'control character U+0009'],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseCheckpoint(text)).toThrow(MalformedCheckpointError);
    expect(() => parseCheckpoint(text)).toThrow(message);
  });

  it('is written only as it can be read', () => {
    const good: Checkpoint = { origin: 'accord.dev/log/x', size: 1, rootHash: new Uint8Array(32), extensions: [] };
    expect(formatCheckpoint(good)).toBe('accord.dev/log/x\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    for (const bad of [
      { ...good, origin: '' },
      { ...good, origin: 'a\nb' },
      { ...good, size: -1 },
      { ...good, size: 1.5 },
      { ...good, size: 2 ** 53 },
      { ...good, rootHash: new Uint8Array(31) },
      { ...good, extensions: [''] },
      { ...good, extensions: ['a\u0000'] },
    ])
      expect(() => formatCheckpoint(bad)).toThrow(MalformedCheckpointError);
  });
});
