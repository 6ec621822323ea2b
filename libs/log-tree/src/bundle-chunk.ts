/**
 * Verifies one chunk of a bundle's event lines on its own, in a worker thread or in the
 * caller's: a power of two of lines (the last chunk excepted), so that its leaves make whole
 * perfect subtrees and the caller only joins subtree roots, in order.
 * Each line is read by the strict scanner of bundle-line.ts, without building the event.
 */
import { hash } from 'node:crypto';
import { brokenLinks } from '@accord/audit';
import type { BundleBrokenLink } from './bundle-findings';
import { scanEventLine, scannedLine, textOf } from './bundle-line';

/** What the caller hands over: the bytes of whole lines and where each starts and ends. */
export interface BundleChunk {
  readonly index: number;
  /** Leaf index of the chunk's first line (its line number in the file is this + 2). */
  readonly firstLeaf: number;
  readonly bytes: Uint8Array;
  /** Line i is bytes [bounds[2i], bounds[2i + 1]), its newline left out. */
  readonly bounds: Uint32Array;
}

/** The subtrees the chunk's leaves make, left to right: one for a full chunk. */
export interface ChunkNodes {
  readonly levels: number[];
  /** 32 bytes a node. */
  readonly hashes: Uint8Array;
}

/** A stream as the chunk saw it: its first event there (to link to the chunks before) and its last. */
export interface ChunkStreams {
  readonly ids: string[];
  /** Index in the chunk of each stream's first line. */
  readonly firstLine: Uint32Array;
  readonly firstRevision: Float64Array;
  readonly firstPosition: Float64Array;
  readonly firstPrevHash: (string | null)[];
  readonly lastRevision: Float64Array;
  /** The last event's hash recomputed, and as the line stores it (null when it stores none). */
  readonly lastHash: string[];
  readonly lastStored: (string | null)[];
}

/** An event whose recomputed leaf is not the leaf the operator's tree keeps for it. */
export interface LeafMismatch {
  readonly line: number;
  readonly leaf: number;
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  /** Hex. */
  readonly computed: string;
  /** Hex, or null when the bundle names no tree leaf for it. */
  readonly tree: string | null;
}

/** A WitnessKeyRegistered event among the lines: the log's own record of a witness key. */
export interface WitnessEvent {
  readonly line: number;
  readonly position: number;
  readonly data: unknown;
}

export interface ChunkOutcome {
  readonly index: number;
  readonly firstLeaf: number;
  readonly count: number;
  readonly nodes: ChunkNodes;
  /** The same over the tree's leaves as the lines name them; null when they are the recomputed ones. */
  readonly treeNodes: ChunkNodes | null;
  /** Lines that name no tree leaf (or an unreadable one): the tree's root cannot be rebuilt from the lines. */
  readonly treeLeavesMissing: number;
  /** First and last well-formed line's position, for the order across chunks. */
  readonly firstPosition: number | null;
  readonly firstPositionLine: number;
  readonly lastPosition: number | null;
  readonly streams: ChunkStreams;
  /** The chunk's own broken links, in line order (those across chunks are the caller's). */
  readonly findings: BundleBrokenLink[];
  readonly leafMismatches: LeafMismatch[];
  readonly witnessEvents: WitnessEvent[];
}

const WITNESSES_STREAM = 'log-witnesses';
/** The type's token as accord writes it. */
const WITNESS_TYPE = '"WitnessKeyRegistered"';
const HEX_HASH = /^[0-9a-f]{64}$/;

interface StreamState {
  index: number;
  lastRevision: number;
  /** Recomputed, and as stored: the next prevHash may name either (one changed hash is one finding). */
  lastHash: string;
  lastStored: string | null;
}

/** Verifies the chunk: hashes, leaves and subtrees, and every link and order inside it. */
export function verifyBundleChunk(chunk: BundleChunk): ChunkOutcome {
  const bytes = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
  const count = chunk.bounds.length / 2;
  const leaves = Buffer.allocUnsafe(count * 32);
  // Where the tree's leaves differ from the recomputed ones: index, then its hex (null when unknown).
  const treeFixes: (number | string | null)[] = [];
  const findings: BundleBrokenLink[] = [];
  const leafMismatches: LeafMismatch[] = [];
  const witnessEvents: WitnessEvent[] = [];
  const byId = new Map<string, StreamState>();
  const ids: string[] = [];
  const firstLine: number[] = [];
  const firstRevision: number[] = [];
  const firstPosition: number[] = [];
  const firstPrevHash: (string | null)[] = [];
  let treeLeavesMissing = 0;
  let firstPos: number | null = null;
  let firstPosLine = 0;
  let lastPos: number | null = null;

  const scan = scannedLine();
  for (let i = 0; i < count; i++) {
    const from = chunk.bounds[2 * i];
    const to = chunk.bounds[2 * i + 1];
    const line = chunk.firstLeaf + i + 2;
    const problem = scanEventLine(bytes.toString('latin1', from, to), scan);
    if (problem !== undefined) {
      findings.push(malformedLine(line, problem));
      // Its leaf is over the whole line: the root cannot match, and the count stays right.
      hash('sha256', bytes.subarray(from, to), 'buffer').copy(leaves, i * 32);
      treeLeavesMissing++;
      continue;
    }
    const { position, revision, streamId, prevHash, hash: lineHash, leaf: treeLeaf } = scan;
    const inputStart = from + scan.eventStart;
    const inputEnd = from + scan.eventEnd;
    const computed = hash('sha256', bytes.subarray(inputStart, inputEnd), 'hex');
    // SHA-256(0x00 ‖ input) in one call: the byte before the input is the line's own (its ':').
    const before = bytes[inputStart - 1];
    bytes[inputStart - 1] = 0;
    const leaf = hash('sha256', bytes.subarray(inputStart - 1, inputEnd), 'hex');
    bytes[inputStart - 1] = before;
    leaves.write(leaf, i * 32, 'hex');
    if (leaf !== treeLeaf) {
      const tree = treeLeaf !== null && HEX_HASH.test(treeLeaf) ? treeLeaf : null;
      if (tree === null) treeLeavesMissing++;
      leafMismatches.push({
        line,
        leaf: chunk.firstLeaf + i,
        position,
        streamId: textOf(streamId),
        revision,
        computed: leaf,
        tree: treeLeaf === null ? null : textOf(treeLeaf),
      });
      treeFixes.push(i, tree);
    }

    if (lastPos !== null && !(position > lastPos))
      findings.push({ line, ...brokenLinks.positionOrder(where(streamId, revision, position), lastPos) });
    if (firstPos === null) {
      firstPos = position;
      firstPosLine = line;
    }
    lastPos = position;
    if (computed !== lineHash)
      findings.push({
        line,
        ...brokenLinks.hashMismatch(
          where(streamId, revision, position),
          computed,
          lineHash === null ? null : textOf(lineHash),
        ),
      });
    // As accord audit verify: the next prevHash may name this hash recomputed or as stored, so
    // that one changed event, or one changed hash, is one finding and not two.
    const stream = byId.get(streamId);
    if (!stream) {
      byId.set(streamId, { index: ids.length, lastRevision: revision, lastHash: computed, lastStored: lineHash });
      ids.push(streamId);
      firstLine.push(i);
      firstRevision.push(revision);
      firstPosition.push(position);
      firstPrevHash.push(prevHash === null ? null : textOf(prevHash));
    } else if (revision !== stream.lastRevision + 1) {
      findings.push({ line, ...brokenLinks.revisionGap(where(streamId, revision, position), stream.lastRevision + 1) });
      // A missing revision moves the stream on; one that comes again or early does not.
      if (revision > stream.lastRevision) {
        stream.lastRevision = revision;
        stream.lastHash = computed;
        stream.lastStored = lineHash;
      }
    } else {
      if (prevHash !== stream.lastHash && (prevHash === null || prevHash !== stream.lastStored))
        findings.push({
          line,
          ...brokenLinks.chainBroken(
            where(streamId, revision, position),
            textOf(stream.lastHash),
            prevHash === null ? null : textOf(prevHash),
          ),
        });
      stream.lastRevision = revision;
      stream.lastHash = computed;
      stream.lastStored = lineHash;
    }
    if (
      streamId === WITNESSES_STREAM &&
      bytes.toString('utf8', from + scan.typeStart, from + scan.typeEnd) === WITNESS_TYPE
    ) {
      const parsed = JSON.parse(bytes.toString('utf8', inputStart, inputEnd)) as { data: unknown };
      witnessEvents.push({ line, position, data: parsed.data });
    }
  }

  const streams: ChunkStreams = {
    ids: ids.map(textOf),
    firstLine: Uint32Array.from(firstLine),
    firstRevision: Float64Array.from(firstRevision),
    firstPosition: Float64Array.from(firstPosition),
    firstPrevHash,
    lastRevision: Float64Array.from(ids, (id) => byId.get(id)!.lastRevision),
    lastHash: ids.map((id) => byId.get(id)!.lastHash),
    lastStored: ids.map((id) => {
      const stored = byId.get(id)!.lastStored;
      return stored === null ? null : textOf(stored);
    }),
  };
  let treeNodes: ChunkNodes | null = null;
  if (treeFixes.length > 0 && treeLeavesMissing === 0) {
    const treeLeaves = Buffer.from(leaves);
    for (let k = 0; k < treeFixes.length; k += 2)
      treeLeaves.write(treeFixes[k + 1] as string, (treeFixes[k] as number) * 32, 'hex');
    treeNodes = foldChunk(treeLeaves, count);
  }
  return {
    index: chunk.index,
    firstLeaf: chunk.firstLeaf,
    count,
    nodes: foldChunk(leaves, count),
    treeNodes,
    treeLeavesMissing,
    firstPosition: firstPos,
    firstPositionLine: firstPosLine,
    lastPosition: lastPos,
    streams,
    findings,
    leafMismatches,
    witnessEvents,
  };
}

function where(streamId: string, revision: number, position: number) {
  return { streamId: textOf(streamId), revision, position };
}

function malformedLine(line: number, reason: string): BundleBrokenLink {
  return {
    problem: 'malformed-line',
    line,
    streamId: null,
    revision: null,
    position: null,
    expected: 'a bundle event line',
    found: null,
    detail: `line ${line} is not an event line of an audit bundle: ${reason}`,
  };
}

const scratch = Buffer.alloc(65);

/**
 * The perfect subtrees `count` leaves make from the chunk's start, largest first (one for a
 * power of two), each folded in place: RFC 9162 node = SHA-256(0x01 ‖ left ‖ right).
 */
function foldChunk(leaves: Buffer, count: number): ChunkNodes {
  const levels: number[] = [];
  const hashes = new Uint8Array(32 * bitCount(count));
  let offset = 0;
  for (let level = 30; level >= 0; level--) {
    const size = 2 ** level;
    if ((count & size) === 0) continue;
    for (let width = size; width > 1; width /= 2) {
      for (let k = 0; k < width / 2; k++) {
        const left = (offset + 2 * k) * 32;
        scratch[0] = 1;
        leaves.copy(scratch, 1, left, left + 64);
        // As latin1 text, not a Buffer: a Buffer made in C++ costs more than the hash of a node.
        leaves.write(hash('sha256', scratch, 'binary'), (offset + k) * 32, 'latin1');
      }
    }
    hashes.set(leaves.subarray(offset * 32, offset * 32 + 32), levels.length * 32);
    levels.push(level);
    offset += size;
  }
  return { levels, hashes };
}

function bitCount(n: number): number {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits += v % 2;
  return bits;
}
