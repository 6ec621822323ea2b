import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  DEFAULT_CLOUDEVENTS_SOURCE,
  EXPORT_FORMATS,
  ExportFormatError,
  LogVerifier,
  eventInstant,
  findHeadPosition,
  isCloudEventsString,
  parseExportLine,
  parseInstant,
  readLogPages,
  readStreamPages,
  toCloudEventLine,
  toNdjsonLine,
  toNewEvent,
  type ExportFormat,
  type ExportedEvent,
  type LogDigest,
} from '@accord/audit';
import { sessionEventTypes, sessionIdOf } from '@accord/committee';
import {
  agreementEventTypes,
  agreementStreamId,
  commitmentEventTypes,
  commitmentIdOf,
  plural,
} from '@accord/commitments';
import type { AppendResult, EventStore, RecordedEvent } from '@accord/event-store';
import { DEFAULT_STORE_URL, openEventStore, parseStoreUrl, redactStoreUrl } from '@accord/store-factory';
import { Command, Option } from 'commander';
import { copyEvidence, evidenceHashesOf } from './export-evidence';
import { CliError } from './keys.command';
import { progressBar } from './progress';

const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;
const storeUrl = (url: string | undefined): string => url ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;

interface ExportOptions {
  store?: string;
  stream?: string;
  agreement?: string;
  from?: string;
  to?: string;
  format: ExportFormat;
  source?: string;
  out?: string;
  evidence?: string;
}

/**
 * The event types whose JSON Schema the repository publishes (schemas/events/<type>.v1.json):
 * every one the deciders emit, at schema version 1. A CloudEvent of one of them names its
 * schema in `dataschema`; test/event-schemas.spec.ts keeps this list and the files in step.
 */
export const PUBLISHED_EVENT_SCHEMAS: ReadonlySet<string> = new Set<string>([
  ...agreementEventTypes,
  ...commitmentEventTypes,
  ...sessionEventTypes,
]);
const hasSchema = (type: string, schemaVersion: number): boolean =>
  schemaVersion === 1 && PUBLISHED_EVENT_SCHEMAS.has(type);

/**
 * `accord export`: the log (or one stream, or one agreement's streams), a page at a time
 * and with backpressure, so memory stays flat however long the log is.
 */
export function exportCommand(): Command {
  return new Command('export')
    .description('write the event log as one JSON object per line (libs/audit/src/export-format.ts)')
    .option(...storeOption)
    .addOption(new Option('--stream <id>', 'only this stream, e.g. commitment-<uuid>').conflicts('agreement'))
    .option('--agreement <id>', "only this agreement's stream and those of its commitments and sessions")
    .option('--from <instant>', 'only events that occurred at or after this ISO-8601 instant (metadata.occurredAt)')
    .option('--to <instant>', 'only events that occurred before this ISO-8601 instant')
    .addOption(
      new Option('--format <format>', 'ndjson or cloudevents (CloudEvents 1.0 JSON); both importable')
        .choices([...EXPORT_FORMATS])
        .default('ndjson'),
    )
    .option('--source <uri-reference>', `the CloudEvents source attribute (default: ${DEFAULT_CLOUDEVENTS_SOURCE})`)
    .option('--out <file>', 'write to this file (written beside it, then renamed) instead of standard output')
    .option(
      '--evidence <dir>',
      'also copy the evidence files the exported events name to <dir>/<sha256>, checking each hash',
    )
    .action(async (options: ExportOptions) => {
      const from = options.from === undefined ? -Infinity : instant('--from', options.from);
      const to = options.to === undefined ? Infinity : instant('--to', options.to);
      const { source } = options;
      if (source !== undefined && options.format !== 'cloudevents') {
        throw new CliError('--source applies only to --format cloudevents');
      }
      if (source !== undefined && (!isCloudEventsString(source) || /\s/.test(source))) {
        throw new CliError(`--source must be a URI-reference without spaces or control characters, not "${source}"`);
      }
      const store = await openEventStore(storeUrl(options.store));
      const started = Date.now();
      const partial = options.out === undefined ? undefined : `${options.out}.partial-${process.pid}`;
      const out = partial === undefined ? process.stdout : createWriteStream(partial);
      let written = 0;
      const evidence = new Set<string>();
      try {
        const bar = process.stderr.isTTY ? progressBar('export', await findHeadPosition(store)) : undefined;
        const toLine =
          options.format === 'ndjson'
            ? toNdjsonLine
            : (event: RecordedEvent) => toCloudEventLine(event, { source, hasSchema });
        const inWindow = (event: RecordedEvent): boolean => {
          if (from === -Infinity && to === Infinity) return true;
          const at = eventInstant(event);
          return at >= from && at < to;
        };
        const member = options.agreement === undefined ? () => true : agreementMember(options.agreement);
        const pages =
          options.stream === undefined
            ? readLogPages(store, { pageSize: 250 })
            : readStreamPages(store, options.stream, { pageSize: 250 });
        try {
          for await (const page of pages) {
            let chunk = '';
            for (const event of page) {
              if (!member(event) || !inWindow(event)) continue;
              chunk += `${toLine(event)}\n`;
              written++;
              if (options.evidence !== undefined) for (const sha256 of evidenceHashesOf(event)) evidence.add(sha256);
            }
            if (chunk !== '') await write(out, chunk);
            bar?.update(page[page.length - 1].position);
          }
        } finally {
          bar?.stop();
        }
        if (partial !== undefined) {
          await close(out as WriteStream);
          renameSync(partial, options.out!);
        }
      } catch (error) {
        if (partial !== undefined) {
          (out as WriteStream).destroy();
          rmSync(partial, { force: true });
        }
        throw error;
      } finally {
        await store.close();
      }
      if (options.evidence !== undefined) await copyEvidence(storeUrl(options.store), evidence, options.evidence);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `exported ${plural(written, 'event')}${options.out ? ` to ${options.out}` : ''} in ${seconds} s\n`,
      );
    });
}

/**
 * `accord import`: an export (ndjson or cloudevents, told by its first line) into an empty store. A first pass verifies the whole
 * file (hashes, chains, revisions, order) and refuses it, writing nothing, at the first
 * broken link. A second pass appends in the file's order with the revisions it gives as
 * expected revisions, so the target holds the same streams, revisions, ids, data and
 * metadata, hence the same hashes and the same digest. The target assigns its own
 * positions and recordedAt: into an empty SQLite store the positions come out the same
 * when the source's had no gaps, and the summary says whether they did.
 */
export function importCommand(): Command {
  return new Command('import')
    .description('load an export (ndjson or cloudevents) into an empty store, after verifying the whole file')
    .argument('<file>', 'a file written by accord export, in either format')
    .option(...storeOption)
    .action(async (file: string, options: { store?: string }) => {
      const url = storeUrl(options.store);
      const checked = await verifyFile(file);
      const store = await openEventStore(url);
      try {
        if ((await store.readAll({ after: 0, maxCount: 1 })).length > 0) {
          throw new CliError(`${redactStoreUrl(url)} is not empty: import only into an empty store`);
        }
        const started = Date.now();
        // SQLite (and memory) commit appends in the order they are called, so a window of them
        // can be in flight and share one commit; elsewhere each waits for the one before.
        const window = ['sqlite', 'memory'].includes(parseStoreUrl(url).kind) ? 64 : 1;
        const bar = process.stderr.isTTY ? progressBar('import', checked.lastPosition) : undefined;
        let imported: { events: number; renumbered: number };
        try {
          imported = await appendFile(store, file, window, (position) => bar?.update(position));
        } finally {
          bar?.stop();
        }
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `imported ${plural(imported.events, 'event')} in ${plural(checked.streams, 'stream')} into ${redactStoreUrl(url)} in ${seconds} s\n` +
            (imported.renumbered === 0
              ? 'positions: the same as in the file\n'
              : `positions: ${imported.renumbered} differ from the file's (hashes and digest do not depend on them)\n`) +
            `digest: ${JSON.stringify(checked.digest)}\n`,
        );
      } finally {
        await store.close();
      }
    });
}

function instant(option: string, value: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) throw new CliError(`${option} must be an ISO-8601 instant with an offset, not "${value}"`);
  return ms;
}

/** The agreement's own stream, and every commitment or session stream whose first event names it. */
function agreementMember(agreementId: string): (event: RecordedEvent) => boolean {
  const members = new Set([agreementStreamId(agreementId)]);
  return (event) => {
    if (members.has(event.streamId)) return true;
    if (event.revision !== 0) return false;
    const data = event.data as { agreementId?: unknown } | null;
    if (data?.agreementId !== agreementId) return false;
    if (commitmentIdOf(event.streamId) === undefined && sessionIdOf(event.streamId) === undefined) return false;
    members.add(event.streamId);
    return true;
  };
}

async function write(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

async function close(out: WriteStream): Promise<void> {
  const finished = once(out, 'close');
  out.end();
  await finished;
}

const FORMAT_NAMES: Record<ExportFormat, string> = { ndjson: 'an ndjson', cloudevents: 'a CloudEvents' };

async function* fileEvents(file: string): AsyncGenerator<{ event: ExportedEvent; line: number }> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let first: ExportFormat | undefined;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    const { format, event } = parseExportLine(text, line);
    first ??= format;
    if (format !== first)
      throw new ExportFormatError(line, `${FORMAT_NAMES[format]} line in ${FORMAT_NAMES[first]} export`);
    yield { event, line };
  }
}

/** The first pass: the whole file must verify before anything is written. */
async function verifyFile(file: string): Promise<{ streams: number; lastPosition: number; digest: LogDigest }> {
  const verifier = new LogVerifier();
  try {
    for await (const { event, line } of fileEvents(file)) {
      const broken = verifier.check(event);
      if (broken) {
        throw new CliError(
          `${file} does not verify, nothing was imported: line ${line}, ${broken.streamId} revision ${broken.revision}: ` +
            `${broken.problem} (expected ${broken.expected}, found ${broken.found}): ${broken.detail}`,
        );
      }
    }
  } catch (error) {
    if (error instanceof ExportFormatError) throw new CliError(`${file}: ${error.message}; nothing was imported`);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${file} does not exist`);
    throw error;
  }
  return { streams: verifier.streams, lastPosition: verifier.position, digest: verifier.digest.snapshot() };
}

/** The second pass: consecutive events of a stream go in one append, with the file's revision as expected. */
async function appendFile(
  store: EventStore,
  file: string,
  window: number,
  onProgress: (position: number) => void,
): Promise<{ events: number; renumbered: number }> {
  let events = 0;
  let renumbered = 0;
  let batch: ExportedEvent[] = [];
  let inFlight: Promise<void>[] = [];
  const settle = async (): Promise<void> => {
    const pending = inFlight;
    inFlight = [];
    await Promise.all(pending);
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const source = batch;
    batch = [];
    const first = source[0];
    const appended = store
      .append(first.streamId, source.map(toNewEvent), {
        expectedRevision: first.revision === 0 ? 'no_stream' : first.revision - 1,
      })
      .then((result: AppendResult) => {
        if (result.idempotent) throw new Error(`${first.streamId}: the target already held these events`);
        result.events.forEach((recorded, i) => {
          if (recorded.position !== source[i].position) renumbered++;
        });
        events += source.length;
        onProgress(source[source.length - 1].position);
      });
    // Handled here so a failure waiting in the window is not an unhandled rejection; settle() reports it.
    appended.catch(() => undefined);
    inFlight.push(appended);
    if (inFlight.length >= window) await settle();
  };
  try {
    for await (const { event } of fileEvents(file)) {
      if (batch.length > 0 && (batch[0].streamId !== event.streamId || batch.length >= 500)) await flush();
      batch.push(event);
    }
    await flush();
    await settle();
  } catch (error) {
    await Promise.allSettled(inFlight);
    throw new CliError(
      `the import stopped after ${plural(events, 'event')}: ${(error as Error).message}. ` +
        'The target store now holds part of the file: delete it and import again.',
    );
  }
  return { events, renumbered };
}
