import { MalformedCheckpointError } from './errors';
import { decodeBase64, encodeBase64, textProblem } from './text';

/**
 * The body of a checkpoint (c2sp.org/tlog-checkpoint), the note text its signatures cover:
 *
 *     <origin>\n
 *     <tree size, decimal, no leading zeros>\n
 *     <base64 of the RFC 6962 root hash>\n
 *     [<extension line>\n]…
 */
export interface Checkpoint {
  /** The log's identity. Any non-empty text without control characters (clients may not assume a form). */
  readonly origin: string;
  /** Leaves in the tree. At most 2^53 − 1 here (the spec allows a u64; no log of ours comes near). */
  readonly size: number;
  /** The root of the RFC 6962 / RFC 9162 SHA-256 tree: 32 bytes. */
  readonly rootHash: Uint8Array;
  /** Opaque, optional, each non-empty. NOT RECOMMENDED by the spec, and not used by accord. */
  readonly extensions: readonly string[];
}

/** SHA-256, the hash of RFC 6962 trees: a checkpoint of ours never carries another length. */
export const ROOT_HASH_BYTES = 32;

const SIZE = /^(?:0|[1-9][0-9]*)$/;

/** The checkpoint's note text, ending in a newline. Refuses what `parseCheckpoint` would. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  checkLine('origin', origin);
  if (!Number.isSafeInteger(size) || size < 0)
    throw new MalformedCheckpointError(`tree size ${String(size)} is not an integer from 0 to 2^53 − 1`);
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== ROOT_HASH_BYTES)
    throw new MalformedCheckpointError(`root hash must be ${ROOT_HASH_BYTES} bytes`);
  extensions.forEach((line, i) => checkLine(`extension line ${i + 1}`, line));
  return [origin, String(size), encodeBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/** Reads a checkpoint's note text (the text of an opened note, final newline included). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw new MalformedCheckpointError('the text is not a string');
  const problem = textProblem(text);
  if (problem) throw new MalformedCheckpointError(problem);
  if (!text.endsWith('\n')) throw new MalformedCheckpointError('the text does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3)
    throw new MalformedCheckpointError(`${lines.length} line(s); a checkpoint has origin, tree size and root hash`);
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === '') throw new MalformedCheckpointError('line 1: the origin is empty');
  if (!SIZE.test(sizeText))
    throw new MalformedCheckpointError(
      `line 2: tree size ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`,
    );
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new MalformedCheckpointError(`line 2: tree size ${sizeText} exceeds 2^53 − 1`);
  const rootHash = decodeBase64(rootText);
  if (!rootHash) throw new MalformedCheckpointError('line 3: the root hash is not canonical padded standard base64');
  if (rootHash.length !== ROOT_HASH_BYTES)
    throw new MalformedCheckpointError(`line 3: the root hash is ${rootHash.length} bytes, not ${ROOT_HASH_BYTES}`);
  const empty = extensions.indexOf('');
  if (empty >= 0) throw new MalformedCheckpointError(`line ${empty + 4}: an extension line is empty`);
  return { origin, size, rootHash, extensions };
}

function checkLine(what: string, line: string): void {
  if (typeof line !== 'string' || line === '') throw new MalformedCheckpointError(`${what} is empty`);
  if (line.includes('\n')) throw new MalformedCheckpointError(`${what} contains a newline`);
  const problem = textProblem(line);
  if (problem) throw new MalformedCheckpointError(`${what}: ${problem}`);
}
