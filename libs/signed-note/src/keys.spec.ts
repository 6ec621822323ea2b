import { createHash } from 'node:crypto';
import { MalformedKeyError } from './errors';
import { formatSignerKey, formatVerifierKey, generateKey, keyId, parseSignerKey, parseVerifierKey } from './keys';
import {
  GO_NOTE,
  SIGSUM,
  SUM_GOLANG_ORG,
  TRANSPARENCY_DEV_COSIGNATURE,
  TRANSPARENCY_DEV_KEYS,
} from './testing/published-vectors';
import { ALGORITHM_COSIGNATURE_V1, ALGORITHM_ED25519 } from './types';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every proper substring, and the string with each character's code raised by one. */
function manglings(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= key.length; i++)
    for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) out.push(key.slice(i, j));
  for (let i = 0; i < key.length; i++)
    out.push(key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  return out;
}

describe('key IDs', () => {
  it('are the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key), big-endian', () => {
    const key = new Uint8Array(32).fill(7);
    const digest = createHash('sha256')
      .update(Buffer.concat([Buffer.from('example.org/a\n'), Buffer.from([0x04]), key]))
      .digest();
    expect(keyId('example.org/a', 0x04, key)).toBe(digest.readUInt32BE(0));
    expect(keyId('example.org/a', 0x01, key)).not.toBe(digest.readUInt32BE(0));
  });

  it("match the published keys' IDs: sum.golang.org (0x01) and the remora witness (0x04)", () => {
    expect(parseVerifierKey(SUM_GOLANG_ORG.verifierKey).keyId).toBe(0x033de0ae);
    const remora = parseVerifierKey(TRANSPARENCY_DEV_COSIGNATURE.remoraVerifierKey);
    expect([remora.name, remora.keyId, remora.algorithm]).toEqual([
      'remora.n621.de',
      0xda77ade7,
      ALGORITHM_COSIGNATURE_V1,
    ]);
  });
});

describe('verifier keys', () => {
  it("parse x/mod's PeterNeumann key, and format back to the same string", () => {
    const v = parseVerifierKey(GO_NOTE.peterVerifierKey);
    expect([v.name, v.keyId, v.algorithm]).toEqual(['PeterNeumann', 0xc74f20a3, ALGORITHM_ED25519]);
    expect(v.verifierKey).toBe(GO_NOTE.peterVerifierKey);
    expect(formatVerifierKey('PeterNeumann', v.publicKey)).toBe(GO_NOTE.peterVerifierKey);
  });

  it('split at the first two plus signs only: base64 has plus signs of its own', () => {
    expect(parseVerifierKey(TRANSPARENCY_DEV_COSIGNATURE.plainVerifierKey).name).toBe('TEST');
    expect(parseVerifierKey(SUM_GOLANG_ORG.verifierKey).verifierKey).toBe(SUM_GOLANG_ORG.verifierKey);
  });

  it('refuse every substring and every one-character change of a published key (x/mod TestNewVerifier)', () => {
    const bad = manglings(GO_NOTE.peterVerifierKey);
    expect(bad.length).toBeGreaterThan(2000);
    for (const key of bad) expect(() => parseVerifierKey(key)).toThrow(MalformedKeyError);
  });

  it("refuse x/mod's wrong-length key and unknown algorithm, even with adjusted key IDs", () => {
    const [wrongLength, unknownAlgorithm] = GO_NOTE.badVerifierKeys;
    // Its base64 ends in nonzero padding bits, which x/mod's decoder ignores and ours refuses.
    expect(() => parseVerifierKey(wrongLength)).toThrow('not canonical padded base64');
    expect(() => parseVerifierKey(wrongLength.replace('EY==', 'EQ=='))).toThrow(MalformedKeyError);
    expect(() => parseVerifierKey(unknownAlgorithm)).toThrow('unknown signature type 0x65');
  });

  it("refuse a key ID that is not the key's, in any case or length", () => {
    const [name, , key] = TRANSPARENCY_DEV_COSIGNATURE.remoraVerifierKey.split('+');
    for (const id of ['00000000', 'DA77ADE7', 'da77ade', 'da77ade70'])
      expect(() => parseVerifierKey(`${name}+${id}+${key}`)).toThrow(MalformedKeyError);
  });

  it('refuse names that are empty or carry a space (any Unicode space), a plus or a control character', () => {
    const key = new Uint8Array(32).fill(1);
    for (const name of ['', 'a b', 'a\u00a0b', 'a\u2028b', 'a\u3000b', 'a\tb', 'a+b', 'a\u0001b', '\ud800'])
      expect(() => formatVerifierKey(name, key)).toThrow(MalformedKeyError);
    expect(formatVerifierKey('accord.dev/log/é', key)).toMatch(/^accord\.dev\/log\/é\+[0-9a-f]{8}\+AQEB/);
  });

  it('refuse a public key that is not 32 bytes, and an unknown algorithm', () => {
    expect(() => formatVerifierKey('a', new Uint8Array(31))).toThrow('an Ed25519 public key is 32 bytes');
    expect(() => formatVerifierKey('a', new Uint8Array(32), 2 as never)).toThrow('unknown signature type');
  });
});

describe('signer keys', () => {
  it("give x/mod's PeterNeumann verifier key from its published signer key", () => {
    const signer = parseSignerKey(GO_NOTE.peterSignerKey);
    expect([signer.name, signer.keyId, signer.verifierKey]).toEqual([
      'PeterNeumann',
      0xc74f20a3,
      GO_NOTE.peterVerifierKey,
    ]);
  });

  it("give transparency-dev's four published verifier keys from their signer keys", () => {
    for (const { signerKey, verifierKey } of TRANSPARENCY_DEV_KEYS)
      expect(parseSignerKey(signerKey).verifierKey).toBe(verifierKey);
  });

  it("derive sigsum's public key from its published seed: the origin names its SHA-256", () => {
    const seed = Buffer.from(SIGSUM.seedHex, 'hex');
    const signer = parseSignerKey(formatSignerKey(SIGSUM.logOrigin, seed));
    expect(`sigsum.org/v1/tree/${createHash('sha256').update(signer.publicKey).digest('hex')}`).toBe(SIGSUM.logOrigin);
  });

  it('refuse every substring and every one-character change of a published signer key (x/mod TestNewSigner)', () => {
    for (const key of manglings(GO_NOTE.peterSignerKey)) expect(() => parseSignerKey(key)).toThrow(MalformedKeyError);
  });

  it('refuse a seed that is not 32 bytes', () => {
    expect(() => formatSignerKey('a', new Uint8Array(33))).toThrow('an Ed25519 seed is 32 bytes');
  });
});

describe('generated keys', () => {
  it.each([ALGORITHM_ED25519, ALGORITHM_COSIGNATURE_V1] as const)(
    'of type 0x0%s agree and sign what they verify only',
    (algorithm) => {
      const { signerKey, verifierKey } = generateKey('accord.dev/test', algorithm);
      expect(signerKey).toMatch(/^PRIVATE\+KEY\+accord\.dev\/test\+[0-9a-f]{8}\+/);
      const signer = parseSignerKey(signerKey, { now: () => 1_700_000_000 });
      const verifier = parseVerifierKey(verifierKey);
      expect([signer.name, signer.keyId, signer.algorithm]).toEqual([verifier.name, verifier.keyId, algorithm]);
      expect(signer.verifierKey).toBe(verifierKey);

      // A cosigner signs checkpoints only: "hi" is x/mod's message for plain keys.
      const message = bytes(algorithm === ALGORITHM_ED25519 ? 'hi' : 'o\n1\n' + 'A'.repeat(43) + '=\n');
      const signature = signer.sign(message);
      expect(verifier.verify(message, signature)).toBe(true);
      const corrupt = Uint8Array.from(signature);
      corrupt[corrupt.length - 1] ^= 1;
      expect(verifier.verify(message, corrupt)).toBe(false);
      const other = Uint8Array.from(message);
      other[0] ^= 1;
      expect(verifier.verify(other, signature)).toBe(false);
    },
  );

  it('of the two types have different key IDs for the same name and seed', () => {
    const seed = new Uint8Array(32).fill(3);
    const plain = parseSignerKey(formatSignerKey('w', seed, ALGORITHM_ED25519));
    const cosigner = parseSignerKey(formatSignerKey('w', seed, ALGORITHM_COSIGNATURE_V1));
    expect(plain.publicKey).toEqual(cosigner.publicKey);
    expect(plain.keyId).not.toBe(cosigner.keyId);
  });
});
