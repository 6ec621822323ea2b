import { readFileSync } from 'node:fs';
import {
  BROKEN_LINKS_LISTED,
  DEFAULT_WORKERS_HELP,
  defaultWorkers,
  digestLogRecomputed,
  findHeadPosition,
  InvalidDigestError,
  parseLogDigest,
  verifyLog,
  verifyLogInWorkers,
  type BrokenLink,
  type LogDigest,
  type VerifyReport,
} from '@accord/audit';
import { plural } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { DEFAULT_STORE_URL, openEventStore, parseStoreUrl } from '@accord/store-factory';
import {
  CheckpointStore,
  holdLogToCheckpoints,
  LOG_TREE,
  logVerifierKeys,
  readLogOrigin,
  SqlLogTree,
  type CheckpointAuditReport,
} from '@accord/log-tree';
import { ProjectionRunner } from '@accord/projection-runner';
import { allProjections } from '@accord/read-models';
import { Command } from 'commander';
import { openSideDb } from '../../api/src/infrastructure/state/open-api-state';
import { addTreeCommands } from './audit-tree.commands';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** Exit status of `audit verify` when the log is broken (1 is left to crashes, 2 to usage errors). */
export const BROKEN_LOG_EXIT_CODE = 3;

const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;

/** `accord audit verify|digest`: check the hash chains and the global order; print the running digest. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('verify the event log and print its digest');

  audit
    .command('verify')
    .description(
      "recompute every hash, check each stream's chain and revisions and the global order, and report every broken link",
    )
    .option(...storeOption)
    .option('--digest <file>', 'a digest saved earlier ({position, count, digest}): the log must still extend it')
    .option(
      '--workers <n>',
      `worker threads that recompute hashes, for SQLite files and PostgreSQL (0: all in this thread; ${DEFAULT_WORKERS_HELP})`,
      parseWorkers,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `\nExit status: 0 intact, ${BROKEN_LOG_EXIT_CODE} broken (every broken link is counted and the first ${number(BROKEN_LINKS_LISTED)} printed), 2 usage error, 1 failure.`,
    )
    .action(async (options: { store?: string; digest?: string; workers?: number; json?: boolean }) => {
      const saved = options.digest === undefined ? undefined : readDigestFile(options.digest);
      const url = options.store ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;
      await withStore(url, async (store) => {
        const head = await findHeadPosition(store);
        // Positions are dense where workers can run, so the head is the log's length (decision 0036).
        const workers = options.workers ?? defaultWorkers(head);
        const bar = process.stderr.isTTY ? progressBar('verify', head) : undefined;
        const verifyOptions = {
          digest: saved,
          onProgress: bar ? ({ position }: { position: number }) => bar.update(position) : undefined,
        };
        let report: VerifyReport;
        try {
          // Worker threads need a store each can open and whose positions are dense enough to cut into ranges.
          report =
            workers > 0 && inWorkers(url)
              ? await verifyLogInWorkers(url, { ...verifyOptions, workers })
              : await verifyLog(store, verifyOptions);
        } finally {
          bar?.stop();
        }
        const held = await holdToKeptCheckpoints(url, store);
        const intact = report.intact && (held === undefined || held.findings.length === 0);
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ ...report, intact, chainIntact: report.intact, ...(held ? { checkpoints: held } : {}) })}\n`
            : describeReport(report, saved) + (held ? describeCheckpoints(held) : ''),
        );
        if (!intact) process.exitCode = BROKEN_LOG_EXIT_CODE;
      });
    });

  audit
    .command('digest')
    .description(
      "print the running digest of the log as {position, count, digest}, over each event's recomputed hash, as GET /audit/digest does",
    )
    .option(...storeOption)
    .action(async (options: { store?: string }) => {
      await withStore(options.store ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL, async (store) => {
        let changed = 0;
        const digest = await digestLogRecomputed(store, undefined, { mismatch: () => changed++ });
        process.stdout.write(`${JSON.stringify(digest)}\n`);
        if (changed > 0) {
          process.stderr.write(
            `accord: ${count(changed, 'event')} of the log ${changed === 1 ? 'is' : 'are'} not what ${changed === 1 ? 'its hash says' : 'their hashes say'}: ` +
              'the digest is over the recomputed hashes; run accord audit verify\n',
          );
        }
      });
    });
  addTreeCommands(audit);
  return audit;
}

/**
 * The log held to every checkpoint kept beside it (decision 0027): undefined when none was
 * kept (the API never signed one here). The stored tree, when there, helps find where a
 * rewrite starts; it is trusted only where it hashes up to a signed root.
 */
async function holdToKeptCheckpoints(url: string, store: EventStore): Promise<CheckpointAuditReport | undefined> {
  const db = openSideDb(url, process.env.ACCORD_READ_MODEL);
  try {
    const checkpoints = await new CheckpointStore(db).all();
    if (checkpoints.length === 0) return undefined;
    const tables = await new ProjectionRunner(store, db, allProjections).tables(LOG_TREE).catch(() => undefined);
    const bar = process.stderr.isTTY ? progressBar('checkpoints', await findHeadPosition(store)) : undefined;
    try {
      return await holdLogToCheckpoints({
        store,
        checkpoints,
        origin: await readLogOrigin(db),
        verifierKeys: await logVerifierKeys(db),
        stored: tables ? new SqlLogTree(db, tables) : undefined,
        onProgress: bar ? (position) => bar.update(position) : undefined,
      });
    } finally {
      bar?.stop();
    }
  } finally {
    await db.close();
  }
}

function describeCheckpoints(report: CheckpointAuditReport): string {
  const lines = report.findings.map((finding) => {
    const where = finding.rewritten
      ? `first rewritten: leaf ${finding.rewritten.leaf}` +
        (finding.rewritten.position === null
          ? ''
          : `, position ${finding.rewritten.position}, ${finding.rewritten.streamId} revision ${finding.rewritten.revision}`)
      : finding.range
        ? `the rewrite starts in leaves ${finding.range.begin} to ${finding.range.end - 1}` +
          (finding.range.streams.length ? ` (streams ${finding.range.streams.join(', ')})` : '')
        : '';
    return [
      `BROKEN checkpoint ${finding.treeSize}: ${finding.problem}`,
      `  ${finding.detail}`,
      ...(where ? [`  ${where}`] : []),
    ].join('\n');
  });
  lines.push(
    `checkpoints: ${number(report.held)} of ${count(report.checked + report.findings.filter((f) => f.problem === 'signature-invalid').length, 'checkpoint')} held`,
  );
  return `${lines.join('\n')}\n`;
}

async function withStore(url: string, work: (store: EventStore) => Promise<void>): Promise<void> {
  const store = await openEventStore(url);
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 64) throw new CliError(`--workers must be a whole number from 0 to 64`);
  return n;
}

function inWorkers(url: string): boolean {
  const location = parseStoreUrl(url);
  return (location.kind === 'sqlite' && location.filename !== ':memory:') || location.kind === 'postgres';
}

function readDigestFile(file: string): LogDigest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the digest file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseLogDigest(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof InvalidDigestError) {
      throw new CliError(`${file} is not a saved digest ({position, count, digest}): ${error.message}`);
    }
    throw error;
  }
}

const number = (n: number): string => n.toLocaleString('en-US');
/** "12,000 events", "1 event". */
const count = (n: number, noun: string): string => plural(n, noun, { shown: number(n) });

function describeReport(report: VerifyReport, saved: LogDigest | undefined): string {
  const seconds = report.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(report.events / seconds) : report.events;
  const counted = `${count(report.events, 'event')} in ${count(report.streams, 'stream')}`;
  if (!report.intact) {
    const unlisted = report.brokenLinkCount - report.brokenLinks.length;
    return [
      ...report.brokenLinks.map(describeLink),
      `${count(report.brokenLinkCount, 'broken link')} in ${counted} verified in ${seconds.toFixed(2)} s` +
        (unlisted > 0 ? ` (the first ${number(report.brokenLinks.length)} listed, ${number(unlisted)} more not)` : ''),
      '',
    ].join('\n');
  }
  const lines = [
    `intact: ${counted} verified in ${seconds.toFixed(2)} s (${number(rate)} events/s)`,
    `digest: ${JSON.stringify(report.digest)}`,
  ];
  if (saved) {
    const here = report.savedDigest?.positionHere ?? 0;
    lines.push(
      `the log extends the saved digest of ${count(saved.count, 'event')}` +
        (here === saved.position
          ? ` (position ${saved.position})`
          : ` (its last event is at position ${here} here, ${saved.position} where it was saved: the log was copied)`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function describeLink(link: BrokenLink): string {
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
