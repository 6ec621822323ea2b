import { existsSync } from 'node:fs';
import {
  defaultWorkers,
  findHeadPosition,
  verifyLog,
  verifyLogInWorkers,
  type BrokenLink,
  type LogDigest,
  type VerifyReport,
} from '@accord/audit';
import { plural } from '@accord/commitments';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
} from '@accord/event-store';
import { openEventStore, parseStoreUrl, redactStoreUrl, type StoreLocation } from '@accord/store-factory';
import { Command } from 'commander';
import { BROKEN_LOG_EXIT_CODE } from './audit.command';
import { CliError } from './keys.command';
import { progressBar } from './progress';

const PAGE = 1000;

/**
 * Appends in flight at once into a store that writes the appends queued in one turn of the
 * event loop as one group, in call order (SQLite, PostgreSQL, memory): the global order is
 * kept and a window costs one commit. PostgreSQL takes at most 500 appends in a group.
 */
const ORDERED_WINDOW = 250;

export interface CopyOptions {
  /** Copy the source's events up to this position (the end of what was verified); all by default. */
  readonly upTo?: number;
  /** Appends in flight at once; more than 1 only into a store that commits queued appends in call order. */
  readonly window?: number;
  /** Called with the source position reached, while skipping what the target holds and while copying. */
  readonly onProgress?: (position: number) => void;
}

export interface CopyReport {
  copied: number;
  skipped: number;
  total: number;
}

/**
 * Copies the events of `from` into `to`, in global order, with streams, revisions, ids,
 * types, data and metadata (hashes included) unchanged. Resumable: the target's log must
 * be the start of the source's, event for event (it is skipped); anything else there is
 * refused before anything is written.
 */
export async function copyStore(from: EventStore, to: EventStore, options: CopyOptions = {}): Promise<CopyReport> {
  const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;
  const window = Math.max(1, Math.floor(options.window ?? 1));
  const onProgress = options.onProgress ?? (() => undefined);
  const source = new LogCursor(from);
  const target = new LogCursor(to);
  let copied = 0;
  let skipped = 0;
  try {
    for (let theirs = await target.next(); theirs; theirs = await target.next()) {
      const ours = await source.next();
      if (!ours) {
        throw new CliError(
          `The target already holds other events: at its position ${theirs.position} it has ${describeEvent(theirs)}, ` +
            `beyond the source's last event. Copy into an empty store.`,
        );
      }
      if (!sameEvent(ours, theirs)) {
        throw new CliError(
          `The target already holds other events: at its position ${theirs.position} it has ${describeEvent(theirs)} ` +
            `where the source has ${describeEvent(ours)}. Copy into an empty store.`,
        );
      }
      if (++skipped % PAGE === 0) onProgress(ours.position);
    }
    for (;;) {
      const page = await source.nextPage();
      const end = page.findIndex((event) => event.position > upTo);
      const runs = runsOf(end < 0 ? page : page.slice(0, end));
      for (let i = 0; i < runs.length; i += window) {
        const batch = runs.slice(i, i + window);
        // Queued in one go, so that an ordered store writes them as one group.
        const results = await Promise.allSettled(batch.map((run) => appendRun(to, run)));
        results.forEach((result, k) => {
          if (result.status === 'fulfilled' && result.value.idempotent) skipped += batch[k].length;
          else if (result.status === 'fulfilled') copied += batch[k].length;
        });
        const failed = results.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        const last = batch[batch.length - 1];
        onProgress(last[last.length - 1].position);
      }
      if (page.length === 0 || end >= 0) break;
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const changed = error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError;
    throw new CliError(
      `the copy stopped after ${plural(copied, 'event')} (${skipped} ${skipped === 1 ? 'was' : 'were'} there already): ` +
        `${changed ? 'the target changed while copying (does something else write to it?): ' : ''}` +
        `${(error as Error).message}. Run it again to resume: what the target holds is recognised and skipped.`,
      { cause: error },
    );
  }
  return { copied, skipped, total: copied + skipped };
}

/** `accord store copy --from <url> --to <url>`. */
export function storeCommand(): Command {
  const command = new Command('store').description('move an event log between stores');
  command
    .command('copy')
    .description(
      "verify the source's hash chains, then copy every event, in global order, with revisions, ids, metadata and hashes unchanged; resumable",
    )
    .requiredOption('--from <url>', 'source store URL (sqlite:…, postgres://…, kurrentdb://…)')
    .requiredOption('--to <url>', 'target store URL; empty, or holding an interrupted copy of the same source')
    .addHelpText(
      'after',
      `\nExit status: 0 copied and verified, ${BROKEN_LOG_EXIT_CODE} the source does not verify (nothing copied), 2 refused or stopped (run it again to resume).`,
    )
    .action(async (options: { from: string; to: string }) => {
      const fromLocation = parseStoreUrl(options.from);
      const toLocation = parseStoreUrl(options.to);
      if (sameLocation(fromLocation, toLocation)) throw new CliError('--from and --to name the same store');
      if (
        fromLocation.kind === 'sqlite' &&
        fromLocation.filename !== ':memory:' &&
        !existsSync(fromLocation.filename)
      ) {
        throw new CliError(`the source ${fromLocation.filename} does not exist`);
      }
      const label = `${redactStoreUrl(options.from)} → ${redactStoreUrl(options.to)}`;
      await withStore(options.from, async (from) => {
        // A broken source is refused before the target is even opened.
        const source = await verifyStore(options.from, from, `verify ${redactStoreUrl(options.from)}`);
        if (!source.intact) {
          process.stderr.write(
            `accord: the source does not verify, nothing was copied\n${describeBrokenLink(source.brokenLink!)}\n` +
              `(${plural(source.brokenLinkCount, 'broken link')} in ${plural(source.events, 'event')} and ${plural(source.streams, 'stream')}, the first shown; accord audit verify lists them all)\n`,
          );
          process.exitCode = BROKEN_LOG_EXIT_CODE;
          return;
        }
        await withStore(options.to, async (to) => {
          const bar = progressBar(`copy ${label}`, source.digest.position);
          const started = Date.now();
          let report: CopyReport;
          try {
            report = await copyStore(from, to, {
              upTo: source.digest.position,
              window: ['sqlite', 'postgres', 'memory'].includes(toLocation.kind) ? ORDERED_WINDOW : 1,
              onProgress: (position) => bar.update(position),
            });
          } finally {
            bar.stop();
          }
          const seconds = (Date.now() - started) / 1000;
          const rate = seconds > 0 ? Math.round(report.copied / seconds) : report.copied;
          process.stdout.write(
            `copied ${plural(report.copied, 'event')} (${report.skipped} already there) of ${source.events}, ` +
              `${plural(source.streams, 'stream')}, in ${seconds.toFixed(1)} s (${rate} events/s)\n`,
          );
          // The target must verify and begin with exactly the events verified in the source.
          const check = await verifyStore(options.to, to, `verify ${redactStoreUrl(options.to)}`, source.digest);
          if (!check.intact) {
            throw new CliError(`the target does not verify after the copy:\n${describeBrokenLink(check.brokenLink!)}`);
          }
          process.stdout.write(
            `verified: ${plural(check.events, 'event')}, ${plural(check.streams, 'stream')}, every hash chain intact; ` +
              `digest ${JSON.stringify(source.digest)} as the source's (count and digest; positions are each store's own)\n`,
          );
        });
      });
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

/** The global log one event, or the rest of a page, at a time. */
class LogCursor {
  private page: RecordedEvent[] = [];
  private index = 0;
  private after = 0;

  constructor(private readonly store: EventStore) {}

  async next(): Promise<RecordedEvent | undefined> {
    if (this.index >= this.page.length && !(await this.read())) return undefined;
    return this.page[this.index++];
  }

  /** What is left of the page read last, else the next page; empty at the end of the log. */
  async nextPage(): Promise<RecordedEvent[]> {
    if (this.index >= this.page.length && !(await this.read())) return [];
    const rest = this.index === 0 ? this.page : this.page.slice(this.index);
    this.index = this.page.length;
    return rest;
  }

  private async read(): Promise<boolean> {
    this.page = await this.store.readAll({ after: this.after, maxCount: PAGE });
    this.index = 0;
    if (this.page.length === 0) return false;
    this.after = this.page[this.page.length - 1].position;
    return true;
  }
}

/** Consecutive events of one stream, each run one atomic append. */
function runsOf(page: readonly RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  for (const event of page) {
    const run = runs[runs.length - 1];
    const previous = run?.[run.length - 1];
    if (previous && previous.streamId === event.streamId && event.revision === previous.revision + 1) run.push(event);
    else runs.push([event]);
  }
  return runs;
}

const sameEvent = (a: RecordedEvent, b: RecordedEvent): boolean =>
  a.id.toLowerCase() === b.id.toLowerCase() &&
  a.streamId === b.streamId &&
  a.revision === b.revision &&
  a.metadata.hash === b.metadata.hash;

const describeEvent = (e: RecordedEvent): string => `${e.streamId}@${e.revision} (${e.id})`;

function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.kind === 'sqlite' && b.kind === 'sqlite') return a.filename !== ':memory:' && a.filename === b.filename;
  return a.kind !== 'memory' && JSON.stringify(a) === JSON.stringify(b);
}

/** Opens a store, saying which one could not be opened instead of throwing the driver's error. */
async function withStore(url: string, work: (store: EventStore) => Promise<void>): Promise<void> {
  let store: EventStore;
  try {
    store = await openEventStore(url);
  } catch (error) {
    throw new CliError(`cannot open ${redactStoreUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

/** `accord audit verify`'s checks, in worker threads for a long log where the store allows (see audit.command.ts). */
export async function verifyStore(
  url: string,
  store: EventStore,
  label: string,
  digest?: LogDigest,
): Promise<VerifyReport> {
  const head = await findHeadPosition(store);
  const bar = progressBar(label, head);
  const options = { digest, onProgress: ({ position }: { position: number }) => bar.update(position) };
  const location = parseStoreUrl(url);
  // The one default of `accord audit verify` (decision 0036): in this thread unless the log is long enough.
  const workers = defaultWorkers(head);
  const inWorkers =
    workers > 0 && ((location.kind === 'sqlite' && location.filename !== ':memory:') || location.kind === 'postgres');
  try {
    return inWorkers ? await verifyLogInWorkers(url, { ...options, workers }) : await verifyLog(store, options);
  } finally {
    bar.stop();
  }
}

/** A broken link, as `accord audit verify` prints it. */
export function describeBrokenLink(link: BrokenLink): string {
  const where =
    link.streamId === null
      ? 'at the end of the log'
      : `at position ${link.position}, ${link.streamId} revision ${link.revision}`;
  return [
    `BROKEN ${where}: ${link.problem}`,
    `  expected: ${link.expected}`,
    `  found:    ${link.found}`,
    `  ${link.detail}`,
  ].join('\n');
}
