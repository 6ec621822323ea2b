import { computeEventHash, GENESIS_HASH } from '@accord/audit';
import type { AppendResult, EventStore, RecordedEvent } from '@accord/event-store';
import { openEventStore, redactStoreUrl } from '@accord/store-factory';
import { Command } from 'commander';
import { headPosition } from '../../api/src/queries/head-position';
import { CliError } from './keys.command';
import { progressBar } from './progress';

const PAGE = 1000;

export interface CopyReport {
  copied: number;
  skipped: number;
  total: number;
  streams: number;
}

/**
 * Copies every event of `from` into `to`, in global order, with streams, revisions, ids,
 * types, data and metadata (hashes included) unchanged. Resumable: events already in the
 * target, in the same order, are recognised and skipped; anything else there is refused.
 */
export async function copyStore(
  from: EventStore,
  to: EventStore,
  onProgress: (position: number) => void = () => undefined,
): Promise<CopyReport> {
  let source = 0;
  let target = 0;
  let pendingTarget: RecordedEvent[] = [];
  let copied = 0;
  let skipped = 0;
  let total = 0;
  const streams = new Set<string>();
  for (;;) {
    const page = await from.readAll({ after: source, maxCount: PAGE });
    if (page.length === 0) break;
    let i = 0;
    // Resume: the target's log, read alongside, must begin with the same events.
    while (i < page.length) {
      if (pendingTarget.length === 0) {
        pendingTarget = await to.readAll({ after: target, maxCount: PAGE });
        if (pendingTarget.length === 0) break;
      }
      const theirs = pendingTarget.shift()!;
      target = theirs.position;
      const ours = page[i];
      if (theirs.id.toLowerCase() !== ours.id.toLowerCase() || theirs.streamId !== ours.streamId) {
        throw new CliError(
          `The target already holds other events: at its position ${theirs.position} it has ${theirs.streamId}@${theirs.revision} ` +
            `(${theirs.id}) where the source has ${ours.streamId}@${ours.revision} (${ours.id}). Copy into an empty store.`,
        );
      }
      streams.add(ours.streamId);
      skipped++;
      i++;
    }
    // Copy the rest of the page, consecutive events of one stream in one atomic append.
    while (i < page.length) {
      const first = page[i];
      let j = i + 1;
      while (j < page.length && page[j].streamId === first.streamId && page[j].revision === page[j - 1].revision + 1)
        j++;
      const run = page.slice(i, j);
      await appendRun(to, run);
      streams.add(first.streamId);
      copied += run.length;
      i = j;
    }
    total += page.length;
    source = page[page.length - 1].position;
    onProgress(source);
  }
  return { copied, skipped, total, streams: streams.size };
}

export interface ChainReport {
  events: number;
  streams: number;
  broken: string | null;
}

/** Counts the target's events and checks every stream's revisions and hash chain. */
export async function checkChains(store: EventStore): Promise<ChainReport> {
  const last = new Map<string, { revision: number; hash: string }>();
  let events = 0;
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: PAGE });
    if (page.length === 0) break;
    for (const event of page) {
      events++;
      const previous = last.get(event.streamId);
      const expectedRevision = previous ? previous.revision + 1 : 0;
      if (event.revision !== expectedRevision) {
        return {
          events,
          streams: last.size,
          broken: `${event.streamId}@${event.revision}: expected revision ${expectedRevision}`,
        };
      }
      const hash = event.metadata.hash;
      if (typeof hash === 'string') {
        const prevHash = previous?.hash ?? GENESIS_HASH;
        if (event.metadata.prevHash !== prevHash) {
          return { events, streams: last.size, broken: `${event.streamId}@${event.revision}: prevHash does not link` };
        }
        if (computeEventHash(event) !== hash) {
          return { events, streams: last.size, broken: `${event.streamId}@${event.revision}: hash does not match` };
        }
      }
      last.set(event.streamId, { revision: event.revision, hash: typeof hash === 'string' ? hash : GENESIS_HASH });
    }
    after = page[page.length - 1].position;
  }
  return { events, streams: last.size, broken: null };
}

/** `accord store copy --from <url> --to <url>`. */
export function storeCommand(): Command {
  const command = new Command('store').description('move an event log between stores');
  command
    .command('copy')
    .description('copy every event, in global order, with revisions, ids, metadata and hashes unchanged; resumable')
    .requiredOption('--from <url>', 'source store URL (sqlite:…, postgres://…, kurrentdb://…)')
    .requiredOption('--to <url>', 'target store URL; empty, or holding an interrupted copy of the same source')
    .action(async (options: { from: string; to: string }) => {
      if (options.from === options.to) throw new CliError('--from and --to name the same store');
      const from = await openEventStore(options.from);
      try {
        const to = await openEventStore(options.to);
        try {
          const head = await headPosition(from);
          const bar = progressBar(`copy ${redactStoreUrl(options.from)} → ${redactStoreUrl(options.to)}`, head);
          const started = Date.now();
          const report = await copyStore(from, to, (position) => bar.update(position));
          bar.stop();
          const seconds = (Date.now() - started) / 1000;
          const check = await checkChains(to);
          process.stdout.write(
            `copied ${report.copied} events (${report.skipped} already there) of ${report.total}, ` +
              `${report.streams} streams, in ${seconds.toFixed(1)} s\n`,
          );
          if (check.events !== report.total) {
            throw new CliError(`the target holds ${check.events} events, the source ${report.total}`);
          }
          if (check.broken) throw new CliError(`the target's chain is broken at ${check.broken}`);
          process.stdout.write(`verified: ${check.events} events, ${check.streams} streams, every hash chain intact\n`);
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
  return command;
}

/**
 * Appends consecutive events of one stream, read from another store, as they were: same
 * ids, types, data and metadata (hashes included), at the same revisions.
 */
export function appendRun(to: EventStore, run: readonly RecordedEvent[]): Promise<AppendResult> {
  const first = run[0];
  return to.append(
    first.streamId,
    run.map((e) => ({ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata })),
    { expectedRevision: first.revision === 0 ? 'no_stream' : first.revision - 1 },
  );
}
