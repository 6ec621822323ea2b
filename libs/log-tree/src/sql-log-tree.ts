import {
  CompactRange,
  consistencyProof,
  emptyTreeRoot,
  inclusionProof,
  treeRoot,
  type NodeId,
  type NodeReader,
} from '@accord/merkle';
import type { Tables } from '@accord/projection-runner';
import { quote, type SqlRunner } from '@accord/sql';
import { fromHex } from './leaf';
import { rangeOfHead } from './tree.projection';

/** The tree as far as it has grown: its size, its root, the position of its last leaf. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
  /** The log position of leaf size − 1 (0 for the empty tree). */
  readonly position: number;
  /** The right edge: one perfect subtree per set bit of size, which fold to the root. */
  readonly range?: CompactRange;
}

/** Where an event is in the tree. */
export interface TreeLeaf {
  readonly leaf: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly hash: Uint8Array;
}

interface LeafRow {
  leaf: number | string;
  event_id: string;
  stream_id: string;
  revision: number | string;
  position: number | string;
  hash: string;
}

const leafOf = (row: LeafRow): TreeLeaf => ({
  leaf: Number(row.leaf),
  eventId: row.event_id,
  streamId: row.stream_id,
  revision: Number(row.revision),
  position: Number(row.position),
  hash: fromHex(row.hash),
});

/** A node the tree should hold and does not: the tables were changed under it, or it has not grown that far. */
export class MissingNodeError extends Error {
  constructor(readonly node: NodeId) {
    super(`the tree holds no node (${node.level}, ${node.index})`);
    this.name = 'MissingNodeError';
  }
}

/**
 * The log tree's live tables (tree.projection.ts) read as RFC 9162 needs them: level 0 from
 * the leaves, the perfect subtrees above from the nodes, one query each per proof.
 */
export class SqlLogTree implements NodeReader {
  private readonly leaves: string;
  private readonly nodes: string;
  private readonly headTable: string;

  constructor(
    private readonly db: SqlRunner,
    tables: Tables,
  ) {
    this.leaves = quote(tables.tree_leaves);
    this.nodes = quote(tables.tree_nodes);
    this.headTable = quote(tables.tree_head);
  }

  async head(): Promise<TreeHead> {
    const [row] = await this.db.query<{ size: number | string; position: number | string; range: string }>(
      `SELECT size, position, range FROM ${this.headTable} WHERE id = 'head'`,
    );
    if (!row) return { size: 0, root: emptyTreeRoot(), position: 0 };
    const range = rangeOfHead(row);
    if (range.size !== Number(row.size))
      throw new Error(`the tree's head says ${row.size} leaves, its range ${range.size}`);
    return { size: range.size, root: range.root(), position: Number(row.position), range };
  }

  async getNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    const found = new Map<string, Uint8Array>();
    const key = (level: number, index: number) => `${level}/${index}`;
    const leafIds = ids.filter((id) => id.level === 0).map((id) => id.index);
    if (leafIds.length > 0) {
      const rows = await this.db.query<{ leaf: number | string; hash: string }>(
        `SELECT leaf, hash FROM ${this.leaves} WHERE leaf IN (${leafIds.map(() => '?').join(', ')})`,
        leafIds,
      );
      for (const row of rows) found.set(key(0, Number(row.leaf)), fromHex(row.hash));
    }
    const upper = ids.filter((id) => id.level > 0);
    if (upper.length > 0) {
      const rows = await this.db.query<{ level: number | string; idx: number | string; hash: string }>(
        `SELECT level, idx, hash FROM ${this.nodes} WHERE ${upper.map(() => '(level = ? AND idx = ?)').join(' OR ')}`,
        upper.flatMap((id) => [id.level, id.index]),
      );
      for (const row of rows) found.set(key(Number(row.level), Number(row.idx)), fromHex(row.hash));
    }
    return ids.map((id) => {
      const hash = found.get(key(id.level, id.index));
      if (!hash) throw new MissingNodeError(id);
      return hash;
    });
  }

  async leafOfEvent(eventId: string): Promise<TreeLeaf | undefined> {
    const [row] = await this.db.query<LeafRow>(
      `SELECT leaf, event_id, stream_id, revision, position, hash FROM ${this.leaves} WHERE event_id = ?`,
      [eventId],
    );
    return row ? leafOf(row) : undefined;
  }

  /** Leaves [begin, end), in order. */
  async leafRange(begin: number, end: number): Promise<TreeLeaf[]> {
    const rows = await this.db.query<LeafRow>(
      `SELECT leaf, event_id, stream_id, revision, position, hash FROM ${this.leaves}
       WHERE leaf >= ? AND leaf < ? ORDER BY leaf`,
      [begin, end],
    );
    return rows.map(leafOf);
  }

  root(size: number): Promise<Uint8Array> {
    return treeRoot(this, size);
  }

  inclusionProof(leaf: number, size: number): Promise<Uint8Array[]> {
    return inclusionProof(this, leaf, size);
  }

  consistencyProof(from: number, to: number): Promise<Uint8Array[]> {
    return consistencyProof(this, from, to);
  }
}
