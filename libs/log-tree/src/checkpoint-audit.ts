import { readsStoredText, type EventStore, type RecordedEvent } from '@accord/event-store';
import { CompactRange, MemoryNodeStore, nodeHash, sameHash, type NodeId, type NodeReader } from '@accord/merkle';
import { openCheckpoint, parseVerifierKey, SignedNoteError } from '@accord/signed-note';
import type { StoredCheckpoint } from './checkpoint-store';
import { eventLeafHash, toBase64 } from './leaf';

/** Where the log first differs from what a checkpoint signed. */
export interface RewrittenAt {
  /** The first leaf (0-based place in the log) that is not what was signed. */
  readonly leaf: number;
  readonly position: number | null;
  readonly streamId: string | null;
  readonly revision: number | null;
  readonly eventId: string | null;
}

/** How the log stands against one signed checkpoint. */
export interface CheckpointFinding {
  readonly treeSize: number;
  readonly problem: 'signature-invalid' | 'log-truncated' | 'root-mismatch';
  readonly detail: string;
  /**
   * For a root mismatch: the first rewritten leaf when it could be found exactly (the stored
   * tree still held the signed subtrees down to it), else `range`.
   */
  readonly rewritten?: RewrittenAt;
  /** The leaves [begin, end) the rewrite is proven to start in, with the streams of their events. */
  readonly range?: { readonly begin: number; readonly end: number; readonly streams: readonly string[] };
}

export interface CheckpointAuditReport {
  readonly checked: number;
  readonly held: number;
  readonly findings: readonly CheckpointFinding[];
}

/** Reads events of the log after a position (exclusive), as EventStore.readAll does. */
export type ReadLog = (after: number, maxCount: number) => Promise<readonly RecordedEvent[]>;

/** At most this many events are read back to name the streams of a range. */
const RANGE_READ_LIMIT = 10_000;

/**
 * Holds the log, as it is now, to every checkpoint the operator signed (decision 0027). Feed it
 * the events in log order; at the end it says, for each checkpoint, whether its signature is
 * the log key's and whether the tree recomputed from the events has its root. For the first
 * checkpoint the log no longer matches, it finds where the rewrite starts: below the last
 * checkpoint that still holds nothing changed; from the signed subtrees (the checkpoint's kept
 * edge, and the stored tree's nodes wherever they hash up to a signed one) it descends, as a
 * consistency proof does, to the first leaf that differs, and names its event and stream.
 */
export class CheckpointAudit {
  private readonly tree = new MemoryNodeStore();
  /** Each leaf's log position (8 bytes a leaf), to name its event at the end. */
  private positions = new Float64Array(1024);
  private readonly checkpoints: StoredCheckpoint[];
  private readonly findings: CheckpointFinding[] = [];
  private next = 0;
  private held = 0;
  private firstMismatch: StoredCheckpoint | undefined;
  private lastHeld = 0;

  constructor(
    checkpoints: readonly StoredCheckpoint[],
    private readonly keys: { readonly origin?: string; readonly verifierKeys: readonly string[] },
    /** Reads the log back, to name the events found. */
    private readonly read: ReadLog,
    /** The tree as the database holds it: possibly the old one, whose nodes then lead to the rewrite. */
    private readonly stored?: NodeReader,
  ) {
    this.checkpoints = [...checkpoints].sort((a, b) => a.treeSize - b.treeSize);
    const verifiers = keys.verifierKeys.map((k) => parseVerifierKey(k));
    this.checkpoints = this.checkpoints.filter((checkpoint) => {
      try {
        const opened = openCheckpoint(checkpoint.note, { log: verifiers, origin: keys.origin });
        if (
          opened.checkpoint.size !== checkpoint.treeSize ||
          !sameHash(opened.checkpoint.rootHash, checkpoint.rootHash)
        )
          throw new Error('the signed note is of another tree than its row says');
        return true;
      } catch (error) {
        this.findings.push({
          treeSize: checkpoint.treeSize,
          problem: 'signature-invalid',
          detail: `checkpoint ${checkpoint.treeSize} is not signed by the log key: ${
            error instanceof SignedNoteError || error instanceof Error ? error.message : String(error)
          }`,
        });
        return false;
      }
    });
    this.skipEmpty();
  }

  /** The next event of the log, in position order. */
  add(event: RecordedEvent): void {
    this.addLeaf(event.position, eventLeafHash(event));
  }

  /** The next event of the log by its position and leaf hash (computed by the caller, e.g. from stored text). */
  addLeaf(position: number, hash: Uint8Array): void {
    if (this.tree.size === this.positions.length) {
      const grown = new Float64Array(this.positions.length * 2);
      grown.set(this.positions);
      this.positions = grown;
    }
    this.positions[this.tree.size] = position;
    this.tree.append(hash);
    while (this.next < this.checkpoints.length && this.checkpoints[this.next].treeSize === this.tree.size) {
      this.compare(this.checkpoints[this.next++]);
    }
  }

  async finish(): Promise<CheckpointAuditReport> {
    for (; this.next < this.checkpoints.length; this.next++) {
      const checkpoint = this.checkpoints[this.next];
      this.findings.push({
        treeSize: checkpoint.treeSize,
        problem: 'log-truncated',
        detail: `checkpoint ${checkpoint.treeSize} signed ${checkpoint.treeSize} events; the log now has ${this.tree.size}`,
        range: { begin: this.tree.size, end: checkpoint.treeSize, streams: [] },
      });
    }
    if (this.firstMismatch) {
      const at = this.findings.findIndex(
        (f) => f.treeSize === this.firstMismatch!.treeSize && f.problem === 'root-mismatch',
      );
      this.findings[at] = { ...this.findings[at], ...(await this.locate(this.firstMismatch)) };
    }
    this.findings.sort((a, b) => a.treeSize - b.treeSize);
    return { checked: this.checkpoints.length, held: this.held, findings: this.findings };
  }

  private skipEmpty(): void {
    while (this.next < this.checkpoints.length && this.checkpoints[this.next].treeSize === 0) {
      this.held++;
      this.next++;
    }
  }

  private compare(checkpoint: StoredCheckpoint): void {
    if (sameHash(this.tree.root(), checkpoint.rootHash)) {
      this.held++;
      if (!this.firstMismatch) this.lastHeld = checkpoint.treeSize;
      return;
    }
    this.findings.push({
      treeSize: checkpoint.treeSize,
      problem: 'root-mismatch',
      detail:
        `the first ${checkpoint.treeSize} events no longer have the root the operator signed ` +
        `(${toBase64(checkpoint.rootHash)}; now ${toBase64(this.tree.root())})`,
    });
    this.firstMismatch ??= checkpoint;
  }

  /** Narrows the first mismatch down to a leaf, or to the smallest signed range that holds it. */
  private async locate(checkpoint: StoredCheckpoint): Promise<Partial<CheckpointFinding>> {
    const size = checkpoint.treeSize;
    // The signed subtrees of this checkpoint: its kept edge, or the stored tree's edge when it folds to the signed root.
    const edgeIds = CompactRange.edgeNodes(size);
    let edge: readonly Uint8Array[] | undefined;
    if (checkpoint.edge && checkpoint.edge.size === size && sameHash(checkpoint.edge.root(), checkpoint.rootHash))
      edge = checkpoint.edge.hashes;
    else if (this.stored) {
      const stored = await this.storedNodes(edgeIds);
      if (stored && sameHash(CompactRange.of(size, stored).root(), checkpoint.rootHash)) edge = stored;
    }
    let begin = this.lastHeld;
    let end = size;
    if (edge) {
      const recomputed = await this.tree.getNodes(edgeIds);
      const i = edgeIds.findIndex((id, k) => !sameHash(recomputed[k], edge![k]));
      if (i >= 0) {
        let node = edgeIds[i];
        let signed = edge[i];
        // Down the stored tree while its children hash up to the signed node: each step halves the range.
        for (;;) {
          const width = 2 ** node.level;
          begin = Math.max(begin, node.index * width);
          end = Math.min(end, (node.index + 1) * width);
          if (node.level === 0) return { rewritten: await this.placeOf(node.index) };
          const children: NodeId[] = [
            { level: node.level - 1, index: node.index * 2 },
            { level: node.level - 1, index: node.index * 2 + 1 },
          ];
          const stored = this.stored ? await this.storedNodes(children) : undefined;
          if (!stored || !sameHash(nodeHash(stored[0], stored[1]), signed)) break;
          const mine = await this.tree.getNodes(children);
          const left = !sameHash(mine[0], stored[0]);
          node = children[left ? 0 : 1];
          signed = stored[left ? 0 : 1];
        }
      }
    }
    const events =
      begin < this.tree.size
        ? await this.read(begin === 0 ? 0 : this.positions[begin - 1], Math.min(end - begin, RANGE_READ_LIMIT))
        : [];
    const streams = [...new Set(events.map((e) => e.streamId))].sort();
    return { range: { begin, end, streams } };
  }

  private async storedNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[] | undefined> {
    try {
      return await this.stored!.getNodes(ids);
    } catch {
      // Missing nodes: the stored tree is not there (or not that far); it tells nothing.
      return undefined;
    }
  }

  private async placeOf(leaf: number): Promise<RewrittenAt> {
    const [event] = leaf < this.tree.size ? await this.read(leaf === 0 ? 0 : this.positions[leaf - 1], 1) : [];
    return event
      ? { leaf, position: event.position, streamId: event.streamId, revision: event.revision, eventId: event.id }
      : { leaf, position: null, streamId: null, revision: null, eventId: null };
  }
}

/** What `holdLogToCheckpoints` needs: the log, the checkpoints kept beside it, the log's keys, the stored tree. */
export interface CheckpointSource {
  readonly store: EventStore;
  readonly checkpoints: readonly StoredCheckpoint[];
  readonly origin?: string;
  readonly verifierKeys: readonly string[];
  readonly stored?: NodeReader;
  readonly onProgress?: (position: number) => void;
}

/**
 * The whole log held to every checkpoint: one pass, each event's leaf built from the stored
 * text where the store keeps it canonical (decision 0010, checked against the stored hash),
 * from the event otherwise. Nothing is read when no checkpoint was kept.
 */
export async function holdLogToCheckpoints(source: CheckpointSource): Promise<CheckpointAuditReport> {
  const audit = new CheckpointAudit(
    source.checkpoints,
    { origin: source.origin, verifierKeys: source.verifierKeys },
    (after, maxCount) => source.store.readAll({ after, maxCount }),
    source.stored,
  );
  if (source.checkpoints.length === 0) return audit.finish();
  const stored = readsStoredText(source.store) ? source.store : undefined;
  const last = Math.max(...source.checkpoints.map((c) => c.treeSize));
  let leaves = 0;
  for (let after = 0; leaves < last;) {
    const page = stored
      ? await stored.readAllStored({ after, maxCount: 1000 })
      : await source.store.readAll({ after, maxCount: 1000 });
    if (page.length === 0) break;
    for (const event of page) {
      audit.addLeaf(event.position, eventLeafHash(event));
      if (++leaves === last) break;
    }
    after = page[page.length - 1].position;
    source.onProgress?.(after);
  }
  return audit.finish();
}
