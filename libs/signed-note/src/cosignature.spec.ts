import { formatCheckpoint, parseCheckpoint } from './checkpoint';
import { cosignatureMessage, parseCosignature } from './cosignature';
import {
  InvalidSignatureError,
  MalformedCheckpointError,
  MalformedKeyError,
  MalformedNoteError,
  UnexpectedOriginError,
  UnverifiedNoteError,
} from './errors';
import { formatSignerKey, formatVerifierKey, generateKey, parseSignerKey, parseVerifierKey } from './keys';
import { addSignatureLines, openNote, parseNote, signatureLine, signNote } from './note';
import { openCheckpoint } from './signed-checkpoint';
import {
  C2SP_CHECKPOINT,
  LITEWITNESS,
  SIGSUM,
  SIGSUM_COSIGNED_MESSAGE,
  SUM_GOLANG_ORG,
  TRANSPARENCY_DEV_COSIGNATURE,
} from './testing/published-vectors';
import { ALGORITHM_COSIGNATURE_V1, ALGORITHM_ED25519 } from './types';

const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const seed = Buffer.from(SIGSUM.seedHex, 'hex');

describe('the cosignature/v1 message', () => {
  it("is the C2SP example's, byte for byte, at the time its cosignature line carries", () => {
    const { text } = parseNote(C2SP_CHECKPOINT.note);
    const line = C2SP_CHECKPOINT.cosignatureLine;
    const [witness] = parseNote(`${text}\n${line}`).signatures;
    const cosignature = parseCosignature(witness);
    expect([cosignature.name, cosignature.timestamp]).toEqual([
      'witness.example.com/w1',
      C2SP_CHECKPOINT.cosignatureTime,
    ]);
    expect(decode(cosignatureMessage(text, cosignature.timestamp))).toBe(C2SP_CHECKPOINT.cosignedMessage);
  });

  it("is sigsum's, byte for byte, at a time beyond 2^53", () => {
    const { origin, size, time, message } = SIGSUM_COSIGNED_MESSAGE;
    const body = formatCheckpoint({
      origin,
      size,
      rootHash: Uint8Array.from({ length: 32 }, (_, i) => i),
      extensions: [],
    });
    expect(decode(cosignatureMessage(body, time))).toBe(message);
  });

  it('covers the extension lines', () => {
    const body = `o\n1\n${'A'.repeat(43)}=\next\n`;
    expect(decode(cosignatureMessage(body, 5))).toBe(`cosignature/v1\ntime 5\n${body}`);
  });

  it('is made for checkpoints only, at times from 0 to 2^63 − 1', () => {
    expect(() => cosignatureMessage('not a checkpoint\n', 1)).toThrow(MalformedCheckpointError);
    const body = SIGSUM.cosignedBody;
    expect(decode(cosignatureMessage(body, 0))).toBe(`cosignature/v1\ntime 0\n${body}`);
    expect(decode(cosignatureMessage(body, 2n ** 63n - 1n))).toContain('time 9223372036854775807\n');
    for (const bad of [-1, 1.5, 2n ** 63n, 2 ** 53]) expect(() => cosignatureMessage(body, bad)).toThrow(RangeError);
  });
});

describe('cosignature lines', () => {
  it("read transparency-dev's published cosignature's time, and refuse a plain signature as one", () => {
    const { base64, time } = TRANSPARENCY_DEV_COSIGNATURE.timestamped;
    expect(parseCosignature({ name: 'w', keyId: 0x646846b9, base64 }).timestamp).toBe(time);
    expect(() =>
      parseCosignature({ name: 'w', keyId: 0, base64: TRANSPARENCY_DEV_COSIGNATURE.notACosignature }),
    ).toThrow('is 68 bytes; a cosignature/v1 is 76');
  });

  it("are sigsum's published cosignature byte for byte, made with its published seed at time 1234", () => {
    const cosigner = parseSignerKey(formatSignerKey(SIGSUM.witnessName, seed, ALGORITHM_COSIGNATURE_V1), {
      now: () => SIGSUM.cosignatureTime,
    });
    expect(signatureLine(SIGSUM.cosignedBody, cosigner)).toBe(SIGSUM.cosignatureLines[1]);
  });

  it("verify: of sigsum's four lines the one by the key is trusted, the others' name or key ID is not the key's", () => {
    const witness = parseVerifierKey(
      formatVerifierKey(
        SIGSUM.witnessName,
        parseSignerKey(formatSignerKey('x', seed)).publicKey,
        ALGORITHM_COSIGNATURE_V1,
      ),
    );
    const [otherId, good, otherName, otherSize] = SIGSUM.cosignatureLines;
    const opened = openNote(`${SIGSUM.cosignedBody}\n${otherId}${good}${otherName}`, [witness]);
    expect(opened.verified.map((s) => parseCosignature(s).timestamp)).toEqual([1234n]);
    expect(opened.unverified.map((s) => s.name)).toEqual(['example.org/witness', 'example.org/witness-2']);
    // sigsum skips the fourth line (another size); by its name and key ID it is the known
    // key's, which must then verify (c2sp.org/signed-note), and it does not.
    expect(() => openNote(`${SIGSUM.cosignedBody}\n${good}${otherSize}`, [witness])).toThrow(InvalidSignatureError);
  });

  it('do not verify with another time, another checkpoint, or as a plain Ed25519 signature by the same key', () => {
    const witness = parseVerifierKey(
      formatVerifierKey(
        SIGSUM.witnessName,
        parseSignerKey(formatSignerKey('x', seed)).publicKey,
        ALGORITHM_COSIGNATURE_V1,
      ),
    );
    const good = SIGSUM.cosignatureLines[1];
    const bytes = Buffer.from(good.slice('— example.org/witness '.length, -1), 'base64');
    bytes[11] ^= 1; // the timestamp's last byte
    const otherTime = `— example.org/witness ${bytes.toString('base64')}\n`;
    expect(() => openNote(`${SIGSUM.cosignedBody}\n${otherTime}`, [witness])).toThrow(InvalidSignatureError);
    const otherBody = SIGSUM.cosignedBody.replace('\n10\n', '\n11\n');
    expect(() => openNote(`${otherBody}\n${good}`, [witness])).toThrow(InvalidSignatureError);
    const plain = parseVerifierKey(formatVerifierKey(SIGSUM.witnessName, witness.publicKey, ALGORITHM_ED25519));
    expect(() => openNote(`${SIGSUM.cosignedBody}\n${good}`, [plain])).toThrow(UnverifiedNoteError);
  });

  it('are refused as cosignatures when too short for one', () => {
    expect(() => parseCosignature({ name: 'w', keyId: 1, base64: 'AAAAAQ==' })).toThrow(MalformedNoteError);
  });

  it('are refused by a cosigner for a text that is not a checkpoint, and for a time it cannot write', () => {
    const { signerKey } = generateKey('w', ALGORITHM_COSIGNATURE_V1);
    expect(() => signatureLine('hello\n', parseSignerKey(signerKey))).toThrow(MalformedCheckpointError);
    expect(() => signatureLine(SIGSUM.cosignedBody, parseSignerKey(signerKey, { now: () => -1 }))).toThrow(RangeError);
  });
});

describe('signed checkpoints', () => {
  it("verify byte for byte: sum.golang.org's published checkpoints with its published key", () => {
    const log = parseVerifierKey(SUM_GOLANG_ORG.verifierKey);
    for (const { note, size } of SUM_GOLANG_ORG.checkpoints) {
      const opened = openCheckpoint(note, { origin: SUM_GOLANG_ORG.origin, log });
      expect(opened.checkpoint.size).toBe(size);
      expect(opened.logSignatures.map((s) => s.name)).toEqual(['sum.golang.org']);
      expect(opened.cosignatures).toEqual([]);
    }
  });

  it('are refused with any character of the body changed', () => {
    const log = parseVerifierKey(SUM_GOLANG_ORG.verifierKey);
    const { note } = SUM_GOLANG_ORG.checkpoints[0];
    const body = parseNote(note).text;
    for (let i = 0; i < body.length - 1; i++) {
      if (body[i] === '\n') continue;
      const c = /[0-9]/.test(body[i]) ? String((Number(body[i]) + 1) % 10) : body[i] === 'x' ? 'y' : 'x';
      expect(() => openCheckpoint(note.slice(0, i) + c + note.slice(i + 1), { log })).toThrow(InvalidSignatureError);
    }
  });

  it("verify the Sigsum log's checkpoint that litewitness's tests send, with the vkey its README prints", () => {
    const log = parseVerifierKey(LITEWITNESS.verifierKey);
    const opened = openCheckpoint(LITEWITNESS.note, { origin: log.name, log });
    expect(opened.checkpoint.size).toBe(1);
  });

  it("are sigsum's signed checkpoint byte for byte, signed with its published seed", () => {
    const log = parseSignerKey(formatSignerKey(SIGSUM.logOrigin, seed));
    const body = parseNote(SIGSUM.signedCheckpoint).text;
    expect(signNote(body, [log])).toBe(SIGSUM.signedCheckpoint);
    expect(openCheckpoint(SIGSUM.signedCheckpoint, { log: parseVerifierKey(log.verifierKey) }).checkpoint.size).toBe(
      10,
    );
  });

  it("are refused from another log, or without the log's signature", () => {
    const log = parseVerifierKey(SUM_GOLANG_ORG.verifierKey);
    const { note } = SUM_GOLANG_ORG.checkpoints[0];
    expect(() => openCheckpoint(note, { origin: 'accord.dev/log/x', log })).toThrow(UnexpectedOriginError);
    expect(() => openCheckpoint(C2SP_CHECKPOINT.note, { log })).toThrow(
      'the checkpoint is not signed by the log (sum.golang.org+033de0ae)',
    );
    const witness = generateKey('w', ALGORITHM_COSIGNATURE_V1);
    const cosigned = addSignatureLines(note, [signatureLine(parseNote(note).text, parseSignerKey(witness.signerKey))]);
    const other = parseVerifierKey(generateKey('other').verifierKey);
    expect(() => openCheckpoint(cosigned, { log: other, witnesses: [parseVerifierKey(witness.verifierKey)] })).toThrow(
      UnverifiedNoteError,
    );
    expect(() => openCheckpoint(note, { log, witnesses: [other] })).toThrow(MalformedKeyError);
  });

  it('are refused when their text is not a checkpoint, though well signed', () => {
    const { signerKey, verifierKey } = generateKey('accord.dev/log/x');
    const note = signNote('hello\n', [parseSignerKey(signerKey)]);
    expect(() => openCheckpoint(note, { log: parseVerifierKey(verifierKey) })).toThrow(MalformedCheckpointError);
  });

  it("carry the operator's signature and two witnesses' cosignatures, each checked and dated", () => {
    const origin = 'accord.dev/log/0190f5c2-7d1e-7000-8000-000000000001';
    const operator = generateKey(origin);
    const witnesses = ['accord.dev/witness/MA', 'accord.dev/witness/QA'].map((name) =>
      generateKey(name, ALGORITHM_COSIGNATURE_V1),
    );
    const body = formatCheckpoint({ origin, size: 3, rootHash: new Uint8Array(32).fill(9), extensions: [] });
    const signed = signNote(body, [parseSignerKey(operator.signerKey)]);
    const log = parseVerifierKey(operator.verifierKey);

    // Each witness opens the operator's note with the operator's key, then cosigns its text.
    const lines = witnesses.map((w, i) => {
      const seen = openCheckpoint(signed, { origin, log });
      return signatureLine(seen.text, parseSignerKey(w.signerKey, { now: () => 1_800_000_000 + i }));
    });
    const cosigned = addSignatureLines(signed, lines);
    const keys = witnesses.map((w) => parseVerifierKey(w.verifierKey));
    const opened = openCheckpoint(cosigned, { origin, log, witnesses: keys });
    expect(opened.checkpoint).toEqual(parseCheckpoint(body));
    expect(opened.cosignatures.map((c) => [c.name, c.timestamp])).toEqual([
      ['accord.dev/witness/MA', 1_800_000_000n],
      ['accord.dev/witness/QA', 1_800_000_001n],
    ]);
    // Without the witnesses' keys, their lines are kept and not trusted.
    expect(openCheckpoint(cosigned, { log }).unverified.map((s) => s.name)).toEqual([
      'accord.dev/witness/MA',
      'accord.dev/witness/QA',
    ]);
    // A cosignature moved onto another checkpoint of the same log does not verify.
    const other = signNote(body.replace('\n3\n', '\n4\n'), [parseSignerKey(operator.signerKey)]);
    expect(() => openCheckpoint(addSignatureLines(other, [lines[0]]), { log, witnesses: keys })).toThrow(
      InvalidSignatureError,
    );
  });
});
