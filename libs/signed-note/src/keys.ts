import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as ed25519Sign,
  verify as ed25519Verify,
  type KeyObject,
} from 'node:crypto';
import { cosignatureMessage, MAX_COSIGNATURE_TIMESTAMP, toTimestamp } from './cosignature';
import { hexKeyId, MalformedKeyError } from './errors';
import { concatBytes, decodeBase64, encodeBase64, isKeyName } from './text';
import {
  ALGORITHM_COSIGNATURE_V1,
  ALGORITHM_ED25519,
  type Algorithm,
  type NoteSigner,
  type NoteVerifier,
} from './types';

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410): node:crypto takes the seed in no other form. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const HEX_KEY_ID = /^[0-9a-f]{8}$/;
const PRIVATE_PREFIX = 'PRIVATE+KEY+';

export interface SignerOptions {
  /** The cosignature timestamp, POSIX seconds (cosignature/v1 keys only); the system clock by default. */
  readonly now?: () => number | bigint;
}

/**
 * key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4], big-endian
 * (c2sp.org/signed-note for type 0x01; c2sp.org/tlog-cosignature for 0x04, the same formula).
 */
export function keyId(name: string, algorithm: number, publicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update('\n')
    .update(Uint8Array.of(algorithm))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

/** `<name>+<hex key ID>+<base64(algorithm ‖ public key)>` (c2sp.org/signed-note, "Verifier keys"). */
export function formatVerifierKey(
  name: string,
  publicKey: Uint8Array,
  algorithm: Algorithm = ALGORITHM_ED25519,
): string {
  checkName(name);
  checkAlgorithm(algorithm);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_BYTES)
    throw new MalformedKeyError(`an Ed25519 public key is ${ED25519_KEY_BYTES} bytes`);
  return `${name}+${hexKeyId(keyId(name, algorithm, publicKey))}+${encodeBase64(concatBytes(Uint8Array.of(algorithm), publicKey))}`;
}

/** A verifier from its vkey: type 0x01 (Ed25519 note signatures) or 0x04 (cosignature/v1). */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const { name, algorithm, material } = splitKey(vkey, 'verifier key', '<name>+<hex key ID>+<base64 key>');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(material).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    throw new MalformedKeyError(`the public key of ${name} is not an Ed25519 key`);
  }
  return verifier(name, algorithm, material, publicKey);
}

/**
 * A signer from its signer key, `PRIVATE+KEY+<name>+<hex key ID>+<base64(algorithm ‖ seed)>`
 * (the form of golang.org/x/mod/sumdb/note; the key ID is that of the public key). Type 0x01
 * signs notes; type 0x04, accord's own use of the same form, signs cosignature/v1 lines.
 */
export function parseSignerKey(skey: string, options: SignerOptions = {}): NoteSigner {
  if (typeof skey !== 'string' || !skey.startsWith(PRIVATE_PREFIX))
    throw new MalformedKeyError('a signer key starts with PRIVATE+KEY+');
  const { name, algorithm, material, id } = splitKey(
    skey.slice(PRIVATE_PREFIX.length),
    'signer key',
    'PRIVATE+KEY+<name>+<hex key ID>+<base64 seed>',
    false,
  );
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, material]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'));
  if (keyId(name, algorithm, raw) !== id)
    throw new MalformedKeyError(`the key ID ${hexKeyId(id)} is not that of ${name}'s key`);
  const check = verifier(name, algorithm, raw, publicKey);
  const base = { name, keyId: id, algorithm, publicKey: raw, verifierKey: check.verifierKey };
  if (algorithm === ALGORITHM_ED25519)
    return { ...base, sign: (text) => new Uint8Array(ed25519Sign(null, text, privateKey)) };
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    ...base,
    sign: (text) => {
      const timestamp = toTimestamp(now());
      const message = cosignatureMessage(Buffer.from(text).toString('utf8'), timestamp);
      const time = new Uint8Array(8);
      new DataView(time.buffer).setBigUint64(0, timestamp);
      return concatBytes(time, ed25519Sign(null, message, privateKey));
    },
  };
}

/** A new key pair, as its signer key (secret) and verifier key (to hand out). */
export function generateKey(
  name: string,
  algorithm: Algorithm = ALGORITHM_ED25519,
): { signerKey: string; verifierKey: string } {
  checkName(name);
  checkAlgorithm(algorithm);
  const signerKey = formatSignerKey(name, randomBytes(ED25519_KEY_BYTES), algorithm);
  return { signerKey, verifierKey: parseSignerKey(signerKey).verifierKey };
}

/** The signer key for a 32-byte Ed25519 seed (the RFC 8032 private key). */
export function formatSignerKey(name: string, seed: Uint8Array, algorithm: Algorithm = ALGORITHM_ED25519): string {
  checkName(name);
  checkAlgorithm(algorithm);
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_KEY_BYTES)
    throw new MalformedKeyError(`an Ed25519 seed is ${ED25519_KEY_BYTES} bytes`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const raw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x as string, 'base64url');
  return `${PRIVATE_PREFIX}${name}+${hexKeyId(keyId(name, algorithm, raw))}+${encodeBase64(concatBytes(Uint8Array.of(algorithm), seed))}`;
}

function verifier(name: string, algorithm: Algorithm, raw: Uint8Array, publicKey: KeyObject): NoteVerifier {
  const id = keyId(name, algorithm, raw);
  const verifierKey = `${name}+${hexKeyId(id)}+${encodeBase64(concatBytes(Uint8Array.of(algorithm), raw))}`;
  const base = { name, keyId: id, algorithm, publicKey: raw, verifierKey };
  if (algorithm === ALGORITHM_ED25519)
    return {
      ...base,
      verify: (text, signature) =>
        signature.length === ED25519_SIGNATURE_BYTES && ed25519Verify(null, text, publicKey, signature),
    };
  return {
    ...base,
    verify: (text, signature) => {
      if (signature.length !== 8 + ED25519_SIGNATURE_BYTES) return false;
      const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
      if (timestamp > MAX_COSIGNATURE_TIMESTAMP) return false;
      let message: Uint8Array;
      try {
        message = cosignatureMessage(Buffer.from(text).toString('utf8'), timestamp);
      } catch {
        return false; // not a checkpoint: nothing a cosignature could cover
      }
      return ed25519Verify(null, message, publicKey, signature.subarray(8));
    },
  };
}

/** `<name>+<hex key ID>+<base64(algorithm ‖ key material)>`, checked but for the key ID's value when `checkId` is false. */
function splitKey(
  key: string,
  what: string,
  form: string,
  checkId = true,
): { name: string; id: number; algorithm: Algorithm; material: Uint8Array } {
  if (typeof key !== 'string') throw new MalformedKeyError(`a ${what} is a string, ${form}`);
  const first = key.indexOf('+');
  const second = key.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new MalformedKeyError(`a ${what} has the form ${form}`);
  const name = key.slice(0, first);
  const idHex = key.slice(first + 1, second);
  checkName(name);
  if (!HEX_KEY_ID.test(idHex))
    throw new MalformedKeyError(`the key ID ${JSON.stringify(idHex)} is not 8 lower-case hex digits`);
  const bytes = decodeBase64(key.slice(second + 1));
  if (!bytes || bytes.length === 0) throw new MalformedKeyError(`the key of ${name} is not canonical padded base64`);
  const algorithm = bytes[0];
  if (algorithm !== ALGORITHM_ED25519 && algorithm !== ALGORITHM_COSIGNATURE_V1)
    throw new MalformedKeyError(
      `unknown signature type 0x${algorithm.toString(16).padStart(2, '0')} (accord knows 0x01 and 0x04)`,
    );
  const material = bytes.subarray(1);
  if (material.length !== ED25519_KEY_BYTES)
    throw new MalformedKeyError(
      `the key of ${name} is ${material.length} bytes; an Ed25519 key is ${ED25519_KEY_BYTES}`,
    );
  const id = Number.parseInt(idHex, 16);
  if (checkId && keyId(name, algorithm, material) !== id)
    throw new MalformedKeyError(`the key ID ${idHex} is not that of ${name}'s key`);
  return { name, id, algorithm, material };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !isKeyName(name))
    throw new MalformedKeyError(
      `key name ${JSON.stringify(name)} is empty or contains a space, a plus or a control character`,
    );
}

function checkAlgorithm(algorithm: number): void {
  if (algorithm !== ALGORITHM_ED25519 && algorithm !== ALGORITHM_COSIGNATURE_V1)
    throw new MalformedKeyError(`unknown signature type ${algorithm} (accord knows 0x01 and 0x04)`);
}
