import type { RecordedEvent } from '@accord/event-store';
import { CompactRange } from '@accord/merkle';
import type { Projection, Row } from '@accord/projection-runner';
import { eventLeafHash, fromHex, toHex } from './leaf';

/** The projection's name: `GET /projections` lists it beside the read models. */
export const LOG_TREE = 'log-tree';

/**
 * The compact range in a head row while a batch runs: kept as the object (no hex per
 * event), written as its hex encoding once, when the batch writes the row.
 */
class RangeColumn {
  constructor(readonly range: CompactRange) {}
  toJSON(): string {
    return toHex(this.range.encode());
  }
}

/** The head row's compact range, as a batch left it or as the database holds it. */
export function rangeOfHead(row: Row | undefined): CompactRange {
  if (!row) return CompactRange.empty();
  const value = row.range;
  if (value instanceof RangeColumn) return value.range;
  // The column holds the JSON of the hex string.
  const hex = typeof value === 'string' ? (JSON.parse(value) as string) : '';
  return CompactRange.decode(fromHex(hex));
}

/** The range each batch's rows (a `Rows` lives for one batch) copied from its first head row. */
const ownCopies = new WeakMap<object, CompactRange>();

/**
 * The Merkle tree over the global log (decision 0027), grown as the log commits: leaf i is
 * the i-th event in position order, hashed as RFC 9162 over its canonical text. Each event
 * writes its leaf row and the perfect subtrees it completes (nodes never change once
 * written), and the head row keeps the compact range, all in the batch's one transaction
 * with the checkpoint: the tree is always the log's prefix up to the checkpoint.
 */
export const logTreeProjection: Projection = {
  name: LOG_TREE,
  version: 1,
  tables: [
    {
      name: 'tree_leaves',
      key: ['leaf'],
      columns: {
        leaf: 'bigint',
        event_id: 'text',
        stream_id: 'text',
        revision: 'bigint',
        position: 'bigint',
        hash: 'text',
      },
      // Looked up by event (proofs); read by leaf (the key) otherwise. No index on position: every
      // index is one more write per event on the command path's database.
      indexes: [['event_id']],
    },
    {
      name: 'tree_nodes',
      key: ['level', 'idx'],
      columns: { level: 'integer', idx: 'bigint', hash: 'text' },
    },
    {
      name: 'tree_head',
      key: ['id'],
      columns: { id: 'text', size: 'bigint', position: 'bigint', range: 'text' },
    },
  ],
  reads: () => [['tree_head', 'head']],
  apply(event: RecordedEvent, rows) {
    const head = rows.get('tree_head', 'head');
    // A copy, once a batch: the batch may fail and be retried from the rows as they were; the
    // copy is this batch's own, so its later events append to it in place.
    let range = rangeOfHead(head);
    if (ownCopies.get(rows) !== range) ownCopies.set(rows, (range = range.clone()));
    const leaf = range.size;
    const hash = eventLeafHash(event);
    const nodes = range.append(hash);
    rows.put('tree_leaves', {
      leaf,
      event_id: event.id,
      stream_id: event.streamId,
      revision: event.revision,
      position: event.position,
      hash: toHex(hash),
    });
    for (const node of nodes) {
      if (node.level > 0) rows.put('tree_nodes', { level: node.level, idx: node.index, hash: toHex(node.hash) });
    }
    rows.put('tree_head', { id: 'head', size: range.size, position: event.position, range: new RangeColumn(range) });
  },
};
