import {
  AmbiguousKeyError,
  InvalidSignatureError,
  InvalidSignerError,
  MalformedNoteError,
  UnverifiedNoteError,
} from './errors';
import { generateKey, parseSignerKey, parseVerifierKey } from './keys';
import { addSignatureLines, openNote, parseNote, signatureLine, signNote } from './note';
import { C2SP_SIGNED_NOTE, GO_NOTE } from './testing/published-vectors';

const { text, peterSignature: peterSig, enochSignature: enochSig } = GO_NOTE;
const peter = parseVerifierKey(GO_NOTE.peterVerifierKey);
const enoch = parseVerifierKey(GO_NOTE.enochVerifierKey);
const peterLine = { name: 'PeterNeumann', keyId: 0xc74f20a3, base64: peterSig.slice(15, -1) };
const enochLine = { name: 'EnochRoot', keyId: 0xaf0cfe78, base64: enochSig.slice(12, -1) };
const plain = ({ name, keyId, base64 }: { name: string; keyId: number; base64: string }) => ({ name, keyId, base64 });

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('a published signed note', () => {
  it('verifies byte for byte with its published verifier key (c2sp.org/signed-note example)', () => {
    const opened = openNote(C2SP_SIGNED_NOTE.note, [parseVerifierKey(C2SP_SIGNED_NOTE.verifierKey)]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verified.map(plain)).toEqual([
      { name: 'example.com/foo', keyId: 0x530d903a, base64: C2SP_SIGNED_NOTE.note.split(' ').pop()!.trim() },
    ]);
    expect(opened.unverified).toEqual([]);
  });

  it('is the same note as bytes', () => {
    const key = [parseVerifierKey(C2SP_SIGNED_NOTE.verifierKey)];
    expect(openNote(new TextEncoder().encode(C2SP_SIGNED_NOTE.note), key)).toEqual(
      openNote(C2SP_SIGNED_NOTE.note, key),
    );
  });

  it('is refused with any character of its text changed', () => {
    const key = [parseVerifierKey(C2SP_SIGNED_NOTE.verifierKey)];
    const note = C2SP_SIGNED_NOTE.note;
    const textLength = 'This is an example message.'.length;
    for (let i = 0; i < textLength; i++) {
      const changed = note.slice(0, i) + (note[i] === 'x' ? 'y' : 'x') + note.slice(i + 1);
      expect(() => openNote(changed, key)).toThrow(InvalidSignatureError);
    }
  });

  it('is refused with any character of its signature changed', () => {
    const key = [parseVerifierKey(C2SP_SIGNED_NOTE.verifierKey)];
    const note = C2SP_SIGNED_NOTE.note;
    const start = note.indexOf('Uw2Q');
    const end = note.length - 2; // the padding '=' and the newline stay
    const seen = new Set<unknown>();
    for (let i = start; i < end; i++) {
      const changed = note.slice(0, i) + BASE64[(BASE64.indexOf(note[i]) + 1) % 64] + note.slice(i + 1);
      // A change in the key ID's bits makes the signature an unknown key's, and the note has
      // no known signature; one that leaves nonzero padding bits is not canonical base64.
      const base64 = changed.slice(start, -1);
      const decoded = Buffer.from(base64, 'base64');
      const expected =
        decoded.toString('base64') !== base64
          ? MalformedNoteError
          : decoded.readUInt32BE(0) !== 0x530d903a
            ? UnverifiedNoteError
            : InvalidSignatureError;
      expect(() => openNote(changed, key)).toThrow(expected);
      seen.add(expected);
    }
    expect(seen.size).toBe(3);
  });

  it("keeps the spec's opening example's empty line and accented text, and trusts none of it unkeyed", () => {
    const parsed = parseNote(C2SP_SIGNED_NOTE.quasimodo);
    expect(parsed.text).toBe(
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n',
    );
    expect(parsed.signatures.map((s) => s.name)).toEqual(['quasimodo.example/salvatore']);
    expect(() => openNote(C2SP_SIGNED_NOTE.quasimodo, [peter])).toThrow(UnverifiedNoteError);
  });
});

describe('signing (x/mod TestSign)', () => {
  const signer = parseSignerKey(GO_NOTE.peterSignerKey);

  it('gives the published PeterNeumann note byte for byte', () => {
    expect(signNote(text, [signer])).toBe(`${text}\n${peterSig}`);
  });

  it('replaces a signature by the same key', () => {
    const stale = { name: 'PeterNeumann', keyId: 0xc74f20a3, base64: 'BADSIGN=' };
    expect(signNote({ text, signatures: [stale] }, [signer])).toBe(`${text}\n${peterSig}`);
  });

  it('keeps the signatures already there first, then adds its own', () => {
    expect(signNote({ text, signatures: [enochLine] }, [signer])).toBe(`${text}\n${enochSig}${peterSig}`);
  });

  it('refuses a text without its final newline, a bad signature name and a signature without its key ID', () => {
    expect(() => signNote('abc', [signer])).toThrow(MalformedNoteError);
    expect(() => signNote({ text, signatures: [{ name: 'a+b', keyId: 0, base64: 'ABCD' }] }, [])).toThrow(
      MalformedNoteError,
    );
    expect(() => signNote({ text, signatures: [{ ...peterLine, base64: 'BADHASH=' }] }, [])).toThrow(
      MalformedNoteError,
    );
    expect(() => signNote({ text, signatures: [{ ...enochLine, keyId: 1 }] }, [])).toThrow(
      'does not begin with its key ID',
    );
  });

  it('refuses a signer whose name could not be on a signature line', () => {
    expect(() => signNote(text, [{ ...signer, name: 'bad name' }])).toThrow(InvalidSignerError);
  });

  it('refuses a text the note format cannot carry, and a note without signatures', () => {
    expect(() => signNote('a\rb\n', [signer])).toThrow('control character U+000D at offset 1');
    expect(() => signNote('\ud800\n', [signer])).toThrow('not valid UTF-8');
    expect(() => signNote(text, [])).toThrow('at least one signature');
  });
});

describe('opening (x/mod TestOpen)', () => {
  it('verifies the known key and keeps the unknown one untrusted', () => {
    const opened = openNote(`${text}\n${peterSig}${enochSig}`, [peter]);
    expect(opened.text).toBe(text);
    expect(opened.verified.map(plain)).toEqual([peterLine]);
    expect(opened.unverified).toEqual([enochLine]);
    expect(opened.signatures).toEqual([peterLine, enochLine]);
  });

  it('verifies both', () => {
    const opened = openNote(`${text}\n${peterSig}${enochSig}`, [peter, enoch]);
    expect(opened.verified.map(plain)).toEqual([peterLine, enochLine]);
    expect(opened.unverified).toEqual([]);
  });

  it('refuses a note no known key signed, and says what it parsed', () => {
    const error = (() => {
      try {
        openNote(`${text}\n${peterSig}${enochSig}`, []);
      } catch (e) {
        return e as UnverifiedNoteError;
      }
    })();
    expect(error).toBeInstanceOf(UnverifiedNoteError);
    expect(error!.message).toBe('no signature by a known key (signed by PeterNeumann+c74f20a3, EnochRoot+af0cfe78)');
    expect(error!.note.signatures).toEqual([peterLine, enochLine]);
  });

  it('refuses two known keys with one name and key ID, when a signature needs them', () => {
    expect(() => openNote(`${text}\n${enochSig}`, [enoch, peter, enoch])).toThrow(
      new AmbiguousKeyError('EnochRoot', 0xaf0cfe78),
    );
    expect(openNote(`${text}\n${peterSig}`, [enoch, peter, enoch]).verified).toHaveLength(1);
  });

  it('refuses more than 100 signatures, verified or not', () => {
    expect(() => openNote(`${text}\n${peterSig.repeat(101)}`, [peter])).toThrow('more than 100 signatures');
    expect(() => openNote(`${text}\n${peterSig.repeat(101)}`, [])).toThrow(MalformedNoteError);
    expect(openNote(`${text}\n${peterSig.repeat(100)}`, [peter]).verified).toHaveLength(1);
  });

  it('refuses a signature by a known key that does not verify', () => {
    const bad = peterSig.slice(0, 60) + 'ABCD' + peterSig.slice(60);
    expect(() => openNote(`${text}\n${bad}`, [peter])).toThrow('invalid signature for key PeterNeumann+c74f20a3');
  });

  it('drops repeated lines, verified and unverified', () => {
    const enochABCD = enochSig.slice(0, 60) + 'ABCD' + enochSig.slice(60);
    const opened = openNote(`${text}\n${peterSig}${peterSig}${enochSig}${enochSig}${enochABCD}`, [peter]);
    expect(opened.verified.map(plain)).toEqual([peterLine]);
    expect(opened.unverified).toEqual([enochLine, { ...enochLine, base64: enochABCD.slice(12, -1) }]);
  });

  it('checks every signature by a known key, a second one too (x/mod would skip it)', () => {
    const bad = peterSig.slice(0, 60) + 'ABCD' + peterSig.slice(60);
    expect(() => openNote(`${text}\n${peterSig}${bad}`, [peter])).toThrow(InvalidSignatureError);
  });

  it.each([
    ['the text alone', text],
    ['the text and the blank line', `${text}\n`],
    ['a signature line without its newline', `${text}\n${peterSig.slice(0, -1)}`],
    ['a control character', `\u0001${text}\n${peterSig}`],
    ['a carriage return', `${text.replace('\n', '\r\n')}\n${peterSig}`],
    [
      'a name with a space',
      `${text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    ],
    ['a line after the signatures', `${text}\n${peterSig}Unexpected line.\n`],
    ['a hyphen for the em dash', `${text}\n${peterSig.replace('—', '-')}`],
    ['a name with no-break space', `${text}\n${peterSig.replace('Peter', 'Peter\u00a0')}`],
    ['a signature of four bytes', `${text}\n— PeterNeumann x08gow==\n`],
    ['URL-safe base64', `${text}\n${enochSig.replace('rwz+', 'rwz-')}`],
    ['base64 without its padding', `${text}\n${peterSig.replace('=\n', '\n')}`],
    ['base64 with nonzero padding bits', `${text}\n${peterSig.replace('AM=\n', 'AN=\n')}`],
    ['no space after the name', `${text}\n— PeterNeumann\n`],
    [
      'an empty name',
      `${text}\n—  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ],
  ])('refuses %s as malformed', (_, note) => {
    expect(() => openNote(note, [peter])).toThrow(MalformedNoteError);
  });

  it('refuses bytes that are not UTF-8, and a note past the size limit', () => {
    const note = new TextEncoder().encode(`${text}\n${peterSig}`);
    expect(() => openNote(Uint8Array.of(0xff, ...note), [peter])).toThrow('not valid UTF-8');
    expect(() => openNote(note, [peter], { maxBytes: note.length - 1 })).toThrow(
      `longer than ${note.length - 1} bytes`,
    );
    expect(openNote(note, [peter], { maxBytes: note.length }).verified).toHaveLength(1);
  });

  it('accepts at least 16 signatures, as the spec requires', () => {
    const others = Array.from({ length: 16 }, (_, i) => parseSignerKey(generateKey(`witness-${i}`).signerKey));
    const opened = openNote(signNote(text, [parseSignerKey(GO_NOTE.peterSignerKey), ...others]), [peter]);
    expect([opened.verified.length, opened.unverified.length]).toEqual([1, 16]);
  });

  it('separates the text at the last blank line: a text may hold empty lines and end in one', () => {
    const signer = parseSignerKey(GO_NOTE.peterSignerKey);
    for (const t of ['a\n\nb\n', 'a\n\n', '\n', '— looks like a signature\n\n'])
      expect(openNote(signNote(t, [signer]), [peter]).text).toBe(t);
  });
});

describe('round trips', () => {
  it('sign, open, sign again: every signature survives, in order', () => {
    const a = generateKey('accord.dev/a');
    const b = generateKey('accord.dev/b');
    const c = generateKey('accord.dev/c');
    const once = signNote('one\ntwo\n', [parseSignerKey(a.signerKey), parseSignerKey(b.signerKey)]);
    const opened = openNote(once, [parseVerifierKey(a.verifierKey)]);
    const twice = signNote(opened, [parseSignerKey(c.signerKey)]);
    const all = openNote(
      twice,
      [a, b, c].map((k) => parseVerifierKey(k.verifierKey)),
    );
    expect(all.verified.map((s) => s.name)).toEqual(['accord.dev/a', 'accord.dev/b', 'accord.dev/c']);
    expect(twice.startsWith(once)).toBe(true);
  });

  it('adds a signature line made apart, once', () => {
    const signer = parseSignerKey(GO_NOTE.peterSignerKey);
    const line = signatureLine(text, signer);
    expect(line).toBe(peterSig);
    const note = addSignatureLines(`${text}\n${enochSig}`, [line, line]);
    expect(note).toBe(`${text}\n${enochSig}${peterSig}`);
    expect(openNote(note, [peter, enoch]).verified).toHaveLength(2);
    expect(() => addSignatureLines(note, [peterSig.slice(0, -1)])).toThrow('added line 1 is not one line');
    expect(() => addSignatureLines(note, [`${peterSig}${enochSig}`])).toThrow(MalformedNoteError);
  });
});
