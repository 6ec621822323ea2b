import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { brokenLinks, GENESIS_HASH } from '@accord/audit';
import { readsStoredText, type EventStore, type RecordedEvent } from '@accord/event-store';
import { emptyTreeRoot, nodeHash, sameHash } from '@accord/merkle';
import type { Tables } from '@accord/projection-runner';
import type { SqlDb } from '@accord/sql';
import type { ChunkNodes, ChunkOutcome, LeafMismatch } from './bundle-chunk';
import {
  checkCosignatures,
  checkSignature,
  partiesOf,
  type CheckedCosignature,
  type SignatureCheck,
  type WitnessProblem,
} from './checkpoint-checks';
import type { BundleBrokenLink } from './bundle-findings';
import { formatEventLine, formatHeader, parseHeader } from './bundle-format';
import {
  BundleBlocks,
  defaultBundleWorkers,
  inThisThread,
  workerThreads,
  BUNDLE_WORKER,
  type BlockRunner,
} from './bundle-read';
import { eventLeafText, toBase64, toHex } from './leaf';
import { logVerifierKeys } from './log-identity';
import { signedCheckpointOf } from './signed-checkpoint-of';
import { SqlLogTree, type TreeLeaf } from './sql-log-tree';
import { treeBehind } from './tree-errors';
import { readWitnesses, type WitnessKeyRegistered } from './witnesses';

export * from './bundle-format';
export type { BundleBrokenLink, BundleProblem } from './bundle-findings';

/** Where a bundle's events, tree and checkpoint are read from: the store and the database beside it. */
export interface BundleSource {
  readonly store: EventStore;
  readonly db: SqlDb;
  /** The log tree's live tables (ProjectionRunner.tables('log-tree')). */
  readonly tables: Tables;
}

export interface WriteBundleOptions {
  /** The checkpoint to bundle; the latest by default. */
  readonly treeSize?: number;
  readonly now?: Date;
  readonly pageSize?: number;
  readonly onProgress?: (progress: { events: number; treeSize: number; position: number }) => void;
}

export interface BundleWritten {
  readonly treeSize: number;
  /** The checkpoint's last position: the bundle holds the store's events up to it. */
  readonly position: number;
  /** Event lines written: the tree size, unless the store no longer holds what the tree does. */
  readonly events: number;
  readonly bytes: number;
  readonly origin: string;
  readonly cosignatures: number;
  readonly witnesses: number;
  readonly elapsedMs: number;
}

/**
 * Writes the audit bundle of a checkpoint (bundle-format.ts): the header, then the store's
 * events up to the checkpoint's position as they are stored, a page at a time (memory holds
 * a page, never the log), each beside the leaf the tree keeps at its position. To a path, it
 * writes `<path>.partial` and renames it when complete.
 */
export async function writeBundle(
  out: string | Writable,
  source: BundleSource,
  options: WriteBundleOptions = {},
): Promise<BundleWritten> {
  const started = performance.now();
  const { store, db, tables } = source;
  const signed = await signedCheckpointOf(db, options.treeSize);
  const { treeSize, position: last } = signed.checkpoint;
  const tree = new SqlLogTree(db, tables);
  const head = await tree.head();
  if (head.size < treeSize) throw treeBehind(head.size, treeSize);
  const witnesses = (await readWitnesses(store)).map(({ party, name, verifierKey }) => ({ party, name, verifierKey }));
  const header = formatHeader({
    origin: signed.origin,
    logKeys: await logVerifierKeys(db),
    treeSize,
    position: last,
    checkpoint: signed.note,
    witnesses,
    createdAt: (options.now ?? new Date()).toISOString(),
  });

  const partial = typeof out === 'string' ? `${out}.partial` : undefined;
  const stream = partial ? createWriteStream(partial) : (out as Writable);
  const failed = partial ? once(stream, 'error').then(([error]) => Promise.reject(error as Error)) : undefined;
  failed?.catch(() => undefined);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!stream.write(text)) await Promise.race([once(stream, 'drain'), ...(failed ? [failed] : [])]);
  };
  const pageSize = options.pageSize ?? 2000;
  const leaves = leafJoin(tree, treeSize, pageSize);
  let events = 0;
  try {
    await write(`${header}\n`);
    const withText = readsStoredText(store);
    for (let after = 0; after < last;) {
      const page: RecordedEvent[] = withText
        ? await store.readAllStored({ after, maxCount: pageSize })
        : await store.readAll({ after, maxCount: pageSize });
      if (page.length === 0) break;
      let text = '';
      for (const event of page) {
        if (event.position > last) break;
        const leaf = await leaves(event.position);
        text += `${formatEventLine({
          position: event.position,
          recordedAt: event.recordedAt,
          hash: event.metadata.hash,
          leaf: leaf ? toHex(leaf.hash) : null,
          leafInput: eventLeafText(event),
        })}\n`;
        events++;
      }
      await write(text);
      after = page[page.length - 1].position;
      options.onProgress?.({ events, treeSize, position: Math.min(after, last) });
    }
    if (partial) {
      stream.end();
      await Promise.race([once(stream, 'finish'), failed]);
      await rename(partial, out as string);
    }
  } catch (error) {
    if (partial) {
      stream.destroy();
      await rm(partial, { force: true });
    }
    throw error;
  }
  return {
    treeSize,
    position: last,
    events,
    bytes,
    origin: signed.origin,
    cosignatures: signed.cosignatures.length,
    witnesses: witnesses.length,
    elapsedMs: performance.now() - started,
  };
}

/** The tree's leaf at each position asked for, in increasing order: the tree's leaves read a page at a time. */
function leafJoin(
  tree: SqlLogTree,
  size: number,
  pageSize: number,
): (position: number) => Promise<TreeLeaf | undefined> {
  let page: TreeLeaf[] = [];
  let at = 0;
  let next = 0;
  return async (position) => {
    for (;;) {
      while (at < page.length && page[at].position < position) at++;
      if (at < page.length) return page[at].position === position ? page[at] : undefined;
      if (next >= size) return undefined;
      page = await tree.leafRange(next, Math.min(size, next + pageSize));
      if (page.length === 0) return undefined;
      next += page.length;
      at = 0;
    }
  };
}

// ---------------------------------------------------------------------------------------------

export interface VerifyBundleOptions {
  /**
   * The operator's verifier key as the auditor was given it. Without it the checkpoint is
   * checked with the key the bundle carries, which proves only that the bundle agrees with itself.
   */
  readonly logKey?: string;
  /** Worker threads (0: all in this thread); by default defaultBundleWorkers for the header's tree size. */
  readonly workers?: number;
  /** The compiled worker (bundle-worker.js beside this file by default). */
  readonly script?: string;
  /** Lines a chunk, a power of two (4,096 by default). */
  readonly chunkLines?: number;
  /** Broken links listed at most (all are counted). 10,000 by default. */
  readonly maxListed?: number;
  readonly onProgress?: (progress: { events: number; treeSize: number }) => void;
}

export type BundleCosignature = CheckedCosignature;

export interface BundleReport {
  readonly intact: boolean;
  readonly file: string;
  readonly origin: string;
  readonly createdAt: string;
  /** Event lines. */
  readonly events: number;
  readonly streams: number;
  /** The root of the tree the events make, base64 as checkpoints write it. */
  readonly root: string;
  readonly checkpoint: {
    readonly treeSize: number | null;
    readonly root: string | null;
    readonly rootMatches: boolean;
  };
  readonly signature: Omit<SignatureCheck, 'checkpoint'>;
  readonly cosignedBy: readonly BundleCosignature[];
  readonly parties: { readonly cosigned: readonly string[]; readonly notCosigned: readonly string[] };
  /** Witness keys or cosignatures that do not verify (a cosignature line changed breaks the bundle). */
  readonly witnessProblems: readonly WitnessProblem[];
  readonly brokenLinks: readonly BundleBrokenLink[];
  /** All broken links found (the list stops at maxListed). */
  readonly brokenLinkCount: number;
  /**
   * Events whose leaf is not the one the bundle names from the operator's tree, and whether those
   * tree leaves give the signed root (then the events named are the ones that changed).
   */
  readonly treeLeaves: { readonly differing: number; readonly confirmed: boolean | null };
  readonly warnings: readonly string[];
  readonly workers: number;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
}

/** The right edge of a tree being built from whole subtrees, left to right (RFC 9162 hashing). */
class Edge {
  private readonly levels: number[] = [];
  private readonly hashes: Uint8Array[] = [];

  add(nodes: ChunkNodes): void {
    nodes.levels.forEach((level, i) => this.push(level, nodes.hashes.slice(i * 32, i * 32 + 32)));
  }

  private push(level: number, hash: Uint8Array): void {
    let carry = hash;
    let at = level;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === at) {
      this.levels.pop();
      carry = nodeHash(this.hashes.pop()!, carry);
      at++;
    }
    this.levels.push(at);
    this.hashes.push(carry);
  }

  root(): Uint8Array {
    if (this.hashes.length === 0) return emptyTreeRoot();
    let root = this.hashes[this.hashes.length - 1];
    for (let i = this.hashes.length - 2; i >= 0; i--) root = nodeHash(this.hashes[i], root);
    return root;
  }
}

/**
 * Checks a bundle with no database and no server: every chain link per stream (hash
 * recomputed = stored, prevHash = the previous event's hash, revisions gap-free from 0, the
 * positions in order), listing every broken link; the tree root recomputed over every event
 * against the checkpoint's; the operator's signature (by `logKey` when given, else by the
 * bundle's own keys); each witness's cosignature, and which parties cosigned.
 *
 * Lines are hashed in chunks of a power of two, in worker threads where there are several
 * cores: each chunk gives its subtree, so this thread joins a root per chunk, in order.
 */
export async function verifyBundle(file: string, options: VerifyBundleOptions = {}): Promise<BundleReport> {
  const started = performance.now();
  const chunkLines = options.chunkLines ?? 4096;
  if (!Number.isSafeInteger(chunkLines) || chunkLines < 1 || (chunkLines & (chunkLines - 1)) !== 0)
    throw new RangeError(`chunkLines must be a power of two, not ${chunkLines}`);
  const maxListed = options.maxListed ?? 10_000;
  const handle = await open(file, 'r');
  const blocks = new BundleBlocks(handle, chunkLines);
  let runner: BlockRunner | undefined;
  try {
    const header = parseHeader(await blocks.header());
    const warnings: string[] = [];
    const signature = checkSignature(header.checkpoint, header.origin, header.logKeys, options.logKey);
    if (!signature.keyPinned)
      warnings.push(
        'the operator key was NOT pinned: the checkpoint was checked with the key the bundle itself carries, ' +
          'which proves only that the bundle agrees with itself; give the key you were given with --log-key',
      );
    const checkpoint = signature.checkpoint;

    const script = options.script ?? BUNDLE_WORKER;
    const workers = options.workers ?? defaultBundleWorkers(header.treeSize, script);
    runner = workers > 0 ? workerThreads(workers, script) : inThisThread();

    const tails = new Map<string, { revision: number; hash: string; stored: string | null }>();
    const found: BundleBrokenLink[] = [];
    let foundCount = 0;
    const mismatches: LeafMismatch[] = [];
    let mismatchCount = 0;
    const edge = new Edge();
    const treeEdge = new Edge();
    let treeLeavesComplete = true;
    let lastPosition: number | null = null;
    let events = 0;
    const registered = new Map<string, { party: string; verifierKey: string }>();

    const take = (outcome: ChunkOutcome) => {
      const { streams } = outcome;
      const cross: BundleBrokenLink[] = [];
      if (outcome.firstPosition !== null) {
        if (lastPosition !== null && !(outcome.firstPosition > lastPosition))
          cross.push({
            line: outcome.firstPositionLine,
            ...brokenLinks.positionOrder(
              { streamId: streams.ids[0], revision: streams.firstRevision[0], position: outcome.firstPosition },
              lastPosition,
            ),
          });
        lastPosition = outcome.lastPosition;
      }
      for (let k = 0; k < streams.ids.length; k++) {
        const streamId = streams.ids[k];
        const where = { streamId, revision: streams.firstRevision[k], position: streams.firstPosition[k] };
        const line = outcome.firstLeaf + streams.firstLine[k] + 2;
        const tail = tails.get(streamId);
        const expected = tail ? tail.revision + 1 : 0;
        const prevHash = streams.firstPrevHash[k];
        const linked = tail
          ? prevHash === tail.hash || (prevHash !== null && prevHash === tail.stored)
          : prevHash === GENESIS_HASH;
        if (where.revision !== expected) cross.push({ line, ...brokenLinks.revisionGap(where, expected) });
        else if (!linked)
          cross.push({ line, ...brokenLinks.chainBroken(where, tail ? tail.hash : GENESIS_HASH, prevHash) });
        const last = { revision: streams.lastRevision[k], hash: streams.lastHash[k], stored: streams.lastStored[k] };
        if (!tail || last.revision > tail.revision) tails.set(streamId, last);
      }
      const all = cross.length === 0 ? outcome.findings : [...outcome.findings, ...cross].sort(byLine);
      foundCount += all.length;
      for (const finding of all) if (found.length < maxListed) found.push(finding);
      mismatchCount += outcome.leafMismatches.length;
      for (const mismatch of outcome.leafMismatches) if (mismatches.length < maxListed) mismatches.push(mismatch);
      edge.add(outcome.nodes);
      if (outcome.treeLeavesMissing > 0) treeLeavesComplete = false;
      if (treeLeavesComplete) treeEdge.add(outcome.treeNodes ?? outcome.nodes);
      for (const w of outcome.witnessEvents) {
        const data = w.data as Partial<WitnessKeyRegistered> | null;
        if (
          data &&
          typeof data.name === 'string' &&
          typeof data.verifierKey === 'string' &&
          typeof data.party === 'string'
        )
          registered.set(data.name, { party: data.party, verifierKey: data.verifierKey });
      }
      events += outcome.count;
      options.onProgress?.({ events, treeSize: header.treeSize });
    };

    // Blocks run ahead of the joining, a few at a time: memory holds those in flight.
    const inFlight: Promise<ChunkOutcome[]>[] = [];
    let reading = true;
    while (reading || inFlight.length > 0) {
      while (reading && inFlight.length < runner.concurrency + 1) {
        const block = await blocks.next();
        if (!block) {
          reading = false;
          break;
        }
        const result = runner.run(block);
        result.catch(() => undefined);
        inFlight.push(result);
      }
      const next = inFlight.shift();
      if (next) for (const outcome of await next) take(outcome);
    }

    // The tree: the events' root against the checkpoint's.
    const root = edge.root();
    const whole: BundleBrokenLink[] = [];
    const size = checkpoint?.size ?? null;
    if (header.treeSize !== size && size !== null)
      whole.push(
        sizeMismatch(`the header says ${header.treeSize} events, its checkpoint's tree ${size}`, size, header.treeSize),
      );
    if (size !== null && events !== size)
      whole.push(
        sizeMismatch(
          `the bundle holds ${events} events, its checkpoint's tree ${size}: ${events < size ? 'events were removed' : 'events were added'}`,
          size,
          events,
        ),
      );
    const rootMatches = checkpoint !== undefined && sameHash(root, checkpoint.rootHash);
    let confirmed: boolean | null = null;
    if (checkpoint && !rootMatches) {
      confirmed = treeLeavesComplete && events === size && sameHash(treeEdge.root(), checkpoint.rootHash);
      whole.push({
        problem: 'root-mismatch',
        line: null,
        streamId: null,
        revision: null,
        position: null,
        expected: toBase64(checkpoint.rootHash),
        found: toBase64(root),
        detail:
          "the events do not make the checkpoint's tree: " +
          (confirmed
            ? 'the leaves the operator kept do, so the events named as leaf-mismatch were changed after they were logged'
            : mismatchCount > 0
              ? 'the leaves the operator kept do not make it either, so the events named as leaf-mismatch are only where the two differ'
              : 'an event was changed, added, removed or moved, or the checkpoint is of another tree'),
      });
    } else if (!checkpoint) {
      whole.push({
        problem: 'root-mismatch',
        line: null,
        streamId: null,
        revision: null,
        position: null,
        expected: null,
        found: toBase64(root),
        detail: `the checkpoint cannot be read: ${signature.detail}`,
      });
    }
    if (rootMatches && mismatchCount > 0)
      warnings.push(
        `${mismatchCount} events differ from the leaf the bundle names from the operator's tree, though the events make the signed root: ` +
          "the database's tree tables are not the tree that was signed",
      );

    let listed = found;
    let count = foundCount + whole.length;
    if (checkpoint && !rootMatches) {
      const leafLinks = mismatches.map((m) => leafMismatch(m, confirmed === true));
      listed = mergeByLine(found, leafLinks).slice(0, maxListed);
      count += mismatchCount;
    }
    listed = [...listed.slice(0, Math.max(0, maxListed - whole.length)), ...whole];

    const cosigning = checkCosignatures(header.checkpoint, header.witnesses, registered);
    const elapsedMs = performance.now() - started;
    return {
      intact: count === 0 && signature.ok && cosigning.problems.length === 0,
      file,
      origin: header.origin,
      createdAt: header.createdAt,
      events,
      streams: tails.size,
      root: toBase64(root),
      checkpoint: {
        treeSize: size,
        root: checkpoint ? toBase64(checkpoint.rootHash) : null,
        rootMatches,
      },
      signature: {
        ok: signature.ok,
        keyPinned: signature.keyPinned,
        signedBy: signature.signedBy,
        detail: signature.detail,
      },
      cosignedBy: cosigning.cosignedBy,
      parties: partiesOf(header.witnesses, cosigning.cosignedBy),
      witnessProblems: cosigning.problems,
      brokenLinks: listed,
      brokenLinkCount: count,
      treeLeaves: { differing: mismatchCount, confirmed },
      warnings,
      workers,
      elapsedMs,
      eventsPerSecond: elapsedMs > 0 ? Math.round((events * 1000) / elapsedMs) : events,
    };
  } finally {
    await runner?.close();
    await handle.close();
  }
}

const byLine = (a: BundleBrokenLink, b: BundleBrokenLink) => (a.line ?? Infinity) - (b.line ?? Infinity);

function mergeByLine(a: readonly BundleBrokenLink[], b: readonly BundleBrokenLink[]): BundleBrokenLink[] {
  const out: BundleBrokenLink[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && byLine(a[i], b[j]) <= 0)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

function sizeMismatch(detail: string, expected: number, found: number): BundleBrokenLink {
  return {
    problem: 'size-mismatch',
    line: null,
    streamId: null,
    revision: null,
    position: null,
    expected,
    found,
    detail,
  };
}

function leafMismatch(m: LeafMismatch, confirmed: boolean): BundleBrokenLink {
  return {
    problem: 'leaf-mismatch',
    line: m.line,
    streamId: m.streamId,
    revision: m.revision,
    position: m.position,
    expected: m.tree,
    found: m.computed,
    detail:
      m.tree === null
        ? `the operator's tree keeps no leaf at position ${m.position}`
        : confirmed
          ? `leaf ${m.leaf} of the signed tree is another event: this one was changed after it was logged`
          : `the operator's tree keeps another leaf for this event (leaf ${m.leaf})`,
  };
}
