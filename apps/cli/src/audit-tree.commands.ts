import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_WORKERS_HELP } from '@accord/audit';
import { plural } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import {
  BundleFormatError,
  LOG_TREE,
  LogTreeError,
  parseInclusionProof,
  proveConsistency,
  proveInclusion,
  signedCheckpointOf,
  verifyBundle,
  verifyEventProof,
  writeBundle,
  type BundleBrokenLink,
  type BundleReport,
  type BundleSource,
  type EventProofReport,
} from '@accord/log-tree';
import { ProjectionRunner } from '@accord/projection-runner';
import { allProjections } from '@accord/read-models';
import { ALGORITHM_ED25519, parseVerifierKey, SignedNoteError } from '@accord/signed-note';
import { DEFAULT_STORE_URL, openEventStore } from '@accord/store-factory';
import { Command } from 'commander';
import { openSideDb } from '../../api/src/infrastructure/state/open-api-state';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** As `accord audit verify`: 0 intact, 3 broken (1 is left to crashes, 2 to usage errors). */
const BROKEN_EXIT_CODE = 3;

const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;
const logKeyOption = [
  '--log-key <vkey>',
  "the operator's verifier key as you were given it (GET /audit/log-key); without it the file's own key is used, " +
    'which proves only that the file agrees with itself',
] as const;

/**
 * `accord audit bundle|verify-bundle|prove inclusion|prove consistency|verify-event`: the log's
 * Merkle tree for auditors (issue 16, points 3 and 5). A bundle and a proof file are checked
 * with no database and no server; making them reads the store and the tree beside it.
 */
export function addTreeCommands(audit: Command): void {
  audit
    .command('bundle')
    .description(
      "write a signed checkpoint's audit bundle: its events as stored, the checkpoint with its cosignatures, the keys, in one file that accord audit verify-bundle checks offline",
    )
    .option(...storeOption)
    .option('--out <file>', 'where to write it, "-" for stdout (default: audit-bundle-<tree size>.ndjson)')
    .option('--tree-size <n>', 'the checkpoint to bundle, by its tree size (default: the latest)', parseSize)
    .action(async (options: { store?: string; out?: string; treeSize?: number }) => {
      await withTree(options.store, async (source) => {
        const signed = await signedCheckpointOf(source.db, options.treeSize);
        const { treeSize, position } = signed.checkpoint;
        const out = options.out ?? `audit-bundle-${treeSize}.ndjson`;
        const bar = process.stderr.isTTY ? progressBar(`bundle ${treeSize}`, position) : undefined;
        let written;
        try {
          written = await writeBundle(out === '-' ? process.stdout : out, source, {
            treeSize,
            onProgress: (p) => bar?.update(p.position),
          });
        } finally {
          bar?.stop();
        }
        const say = (line: string) => (out === '-' ? process.stderr : process.stdout).write(`${line}\n`);
        say(
          `wrote ${out === '-' ? 'the bundle' : out}: ${count(written.events, 'event')} of the checkpoint of tree size ${number(treeSize)} ` +
            `(up to position ${number(position)}), ${count(written.cosignatures, 'cosignature')}, ` +
            `${(written.bytes / 2 ** 20).toFixed(1)} MiB in ${(written.elapsedMs / 1000).toFixed(1)} s`,
        );
        say(
          `check it with: accord audit verify-bundle ${out === '-' ? '<file>' : out} --log-key <the log's verifier key>`,
        );
        if (written.events !== treeSize)
          process.stderr.write(
            `accord: the store holds ${count(written.events, 'event')} up to position ${number(position)}, but the checkpoint's tree ${number(treeSize)}: ` +
              'the log was changed after it was logged, and the bundle will say where (run accord audit verify too)\n',
          );
      });
    });

  audit
    .command('verify-bundle <file>')
    .description(
      'check an audit bundle with no database and no server: every chain link, the tree root against the checkpoint, the signatures, and which parties cosigned',
    )
    .option(...logKeyOption)
    .option(
      '--workers <n>',
      `worker threads that hash the events (0: all in this thread; ${DEFAULT_WORKERS_HELP}, the bundle's length read from its header)`,
      parseWorkers,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `\nExit status: 0 intact, ${BROKEN_EXIT_CODE} broken (every broken link is counted, and listed), 2 usage error (not a bundle), 1 failure.`,
    )
    .action(async (file: string, options: { logKey?: string; workers?: number; json?: boolean }) => {
      const logKey = checkLogKey(options.logKey);
      try {
        accessSync(file, constants.R_OK);
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
      }
      let bar: ReturnType<typeof progressBar> | undefined;
      let report: BundleReport;
      try {
        report = await verifyBundle(file, {
          logKey,
          workers: options.workers,
          onProgress: ({ events, treeSize }) => {
            if (!process.stderr.isTTY) return;
            bar ??= progressBar('verify-bundle', treeSize);
            bar.update(events);
          },
        });
      } catch (error) {
        if (error instanceof BundleFormatError) throw new CliError(`${file}: ${error.message}`);
        throw error;
      } finally {
        bar?.stop();
      }
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : describeBundle(report));
      if (!report.intact) process.exitCode = BROKEN_EXIT_CODE;
    });

  const prove = audit
    .command('prove')
    .description('prove that an event is in a signed checkpoint, or that a larger tree extends a smaller one');
  prove
    .command('inclusion')
    .description(
      'write the self-contained proof that an event is in a checkpoint: the event as stored, its leaf, the inclusion path and the cosigned checkpoint (accord audit verify-event checks it)',
    )
    .requiredOption('--event <id>', 'the event id')
    .option('--tree-size <n>', 'the checkpoint, by its tree size (default: the latest)', parseSize)
    .option('--out <file>', 'where to write the proof (default: stdout)')
    .option(...storeOption)
    .action(async (options: { event: string; treeSize?: number; out?: string; store?: string }) => {
      await withTree(options.store, async (source) => {
        const proof = await proveInclusion(source, options.event, { treeSize: options.treeSize });
        const text = `${JSON.stringify(proof, null, 2)}\n`;
        if (options.out === undefined) return void process.stdout.write(text);
        writeFileSync(options.out, text);
        process.stdout.write(
          `wrote ${options.out}: event ${proof.event.id} (${proof.event.streamId} revision ${proof.event.revision}) ` +
            `is leaf ${number(proof.leafIndex)} of the checkpoint of tree size ${number(proof.treeSize)}, ` +
            `${count(proof.proof.length, 'hash', 'hashes')} of proof\n`,
        );
      });
    });
  prove
    .command('consistency')
    .description('prove that the tree of --to leaves extends the tree of --from leaves (RFC 9162), with both roots')
    .requiredOption('--from <n>', 'the smaller tree size', parseSize)
    .requiredOption('--to <n>', 'the larger tree size', parseSize)
    .option('--json', 'print the proof as JSON (GET /audit/proofs/consistency, with the checkpoints kept)')
    .option(...storeOption)
    .action(async (options: { from: number; to: number; json?: boolean; store?: string }) => {
      await withTree(options.store, async (source) => {
        const answer = await proveConsistency(source, options.from, options.to);
        const rewritten = (['from', 'to'] as const).filter((side) => answer.rootsMatchCheckpoints[side] === false);
        if (options.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
        else {
          const kept = (size: number, match: boolean | null) =>
            match === null
              ? 'no checkpoint of that size'
              : match
                ? 'the signed checkpoint'
                : 'NOT the signed checkpoint';
          process.stdout.write(
            [
              `the tree of ${number(answer.from)} leaves is a prefix of the tree of ${number(answer.to)} leaves ` +
                `(${count(answer.proof.length, 'hash', 'hashes')} of proof)`,
              `  root at ${number(answer.from)}: ${answer.fromRoot} (${kept(answer.from, answer.rootsMatchCheckpoints.from)})`,
              `  root at ${number(answer.to)}: ${answer.toRoot} (${kept(answer.to, answer.rootsMatchCheckpoints.to)})`,
              ...answer.proof.map((hash) => `  ${hash}`),
              '',
            ].join('\n'),
          );
        }
        if (rewritten.length > 0) {
          process.stderr.write(
            `accord: the tree's root at ${rewritten.map((side) => number(answer[side])).join(' and ')} is not the one signed then: ` +
              'the tree was rebuilt over a changed log (run accord audit verify)\n',
          );
          process.exitCode = BROKEN_EXIT_CODE;
        }
      });
    });

  audit
    .command('verify-event <proof>')
    .description(
      'check one event alone, offline, with its proof file (accord audit prove inclusion): its leaf recomputed from the event, the path to the checkpoint, the signatures',
    )
    .option(...logKeyOption)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `\nExit status: 0 proven, ${BROKEN_EXIT_CODE} refused, 2 usage error (not a proof file), 1 failure.`,
    )
    .action((file: string, options: { logKey?: string; json?: boolean }) => {
      const logKey = checkLogKey(options.logKey);
      let proof;
      try {
        proof = parseInclusionProof(JSON.parse(readable(file)));
      } catch (error) {
        if (error instanceof SyntaxError || error instanceof BundleFormatError)
          throw new CliError(`${file}: ${error.message}`);
        throw error;
      }
      const report = verifyEventProof(proof, { logKey });
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : describeEventProof(report));
      if (!report.ok) process.exitCode = BROKEN_EXIT_CODE;
    });
}

/** The store, the database beside it and the log tree's live tables; LogTreeError says why it cannot serve. */
async function withTree(storeUrl: string | undefined, work: (source: BundleSource) => Promise<void>): Promise<void> {
  const url = storeUrl ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;
  const store: EventStore = await openEventStore(url);
  const db = openSideDb(url, process.env.ACCORD_READ_MODEL);
  try {
    const tables = await new ProjectionRunner(store, db, allProjections).tables(LOG_TREE);
    await work({ store, db, tables });
  } catch (error) {
    if (error instanceof LogTreeError) throw new CliError(error.message);
    throw error;
  } finally {
    await db.close();
    await store.close();
  }
}

function checkLogKey(vkey: string | undefined): string | undefined {
  if (vkey === undefined) return undefined;
  try {
    const key = parseVerifierKey(vkey.trim());
    if (key.algorithm !== ALGORITHM_ED25519)
      throw new CliError(`--log-key must be the log's Ed25519 (0x01) verifier key, not a witness key`);
    return key.verifierKey;
  } catch (error) {
    if (error instanceof SignedNoteError) throw new CliError(`--log-key is not a verifier key: ${error.message}`);
    throw error;
  }
}

function readable(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(`a tree size is a whole number from 1, not ${value}`);
  return n;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 64) throw new CliError(`--workers must be a whole number from 0 to 64`);
  return n;
}

const number = (n: number): string => n.toLocaleString('en-US');
const count = (n: number, noun: string, nouns?: string): string => plural(n, noun, { shown: number(n), plural: nouns });

function describeBundle(report: BundleReport): string {
  const seconds = report.elapsedMs / 1000;
  const counted = `${count(report.events, 'event')} in ${count(report.streams, 'stream')}`;
  const threads = report.workers > 0 ? `, ${count(report.workers, 'worker thread')}` : '';
  const lines: string[] = [];
  if (report.intact)
    lines.push(
      `intact: ${counted} verified in ${seconds.toFixed(2)} s (${number(report.eventsPerSecond)} events/s${threads})`,
    );
  else {
    lines.push(...report.brokenLinks.map(describeLink));
    const unlisted = report.brokenLinkCount - report.brokenLinks.length;
    lines.push(
      `BROKEN: ${count(report.brokenLinkCount, 'broken link')} in ${counted} verified in ${seconds.toFixed(2)} s` +
        (unlisted > 0 ? ` (the first ${number(report.brokenLinks.length)} listed, ${number(unlisted)} more not)` : ''),
    );
  }
  const { checkpoint } = report;
  lines.push(
    `root:       ${report.root}` +
      (checkpoint.rootMatches
        ? ` = the checkpoint's (tree size ${number(checkpoint.treeSize!)})`
        : `, the checkpoint's is ${checkpoint.root ?? '(unreadable)'} (tree size ${checkpoint.treeSize ?? '?'})`),
  );
  if (report.treeLeaves.differing > 0 && !checkpoint.rootMatches)
    lines.push(
      `            ${count(report.treeLeaves.differing, 'event')} differ from the operator's tree, whose leaves ` +
        (report.treeLeaves.confirmed
          ? 'make the signed root: those events were changed'
          : 'do not make the signed root either'),
    );
  lines.push(`signature:  ${report.signature.ok ? '' : 'REFUSED: '}${report.signature.detail}`);
  lines.push(describeCosigned(report));
  lines.push(...report.witnessProblems.map((w) => `witness:    ${w.witness} (${w.party}): ${w.detail}`));
  lines.push(...report.warnings.map((w) => `WARNING: ${w}`));
  return `${lines.join('\n')}\n`;
}

function describeCosigned(report: Pick<BundleReport, 'cosignedBy' | 'parties'>): string {
  const cosigned =
    report.cosignedBy.length === 0
      ? 'no witness cosigned this checkpoint'
      : report.cosignedBy
          .map(
            (c) =>
              `${c.party} (${c.witness}, at ${c.cosignedAt}${c.registeredInLog ? '' : ', key not among these events'})`,
          )
          .join(', ');
  const missing =
    report.parties.notCosigned.length > 0 ? `; not cosigned by ${report.parties.notCosigned.join(', ')}` : '';
  return `cosigned:   ${cosigned}${missing}`;
}

function describeLink(link: BundleBrokenLink): string {
  const where =
    link.line === null
      ? 'in the bundle as a whole'
      : link.streamId === null
        ? `at line ${link.line}`
        : `at line ${link.line}, position ${link.position}, ${link.streamId} revision ${link.revision}`;
  return [
    `BROKEN ${where}: ${link.problem}`,
    ...(link.expected === null && link.found === null
      ? []
      : [`  expected: ${link.expected ?? '–'}`, `  found:    ${link.found ?? '–'}`]),
    `  ${link.detail}`,
  ].join('\n');
}

function describeEventProof(report: EventProofReport): string {
  const { event } = report;
  const lines = report.ok
    ? [
        `proven: event ${event.id} (${event.type}, ${event.streamId} revision ${event.revision}, position ${number(event.position)}) ` +
          `is leaf ${number(report.leafIndex)} of the checkpoint of tree size ${number(report.treeSize)}`,
      ]
    : [
        `REFUSED: event ${event.id} (${event.streamId} revision ${event.revision}) is not proven in the checkpoint of tree size ${number(report.treeSize)}`,
        ...report.problems.map((p) => `  ${p}`),
      ];
  lines.push(`signature:  ${report.signature.ok ? '' : 'REFUSED: '}${report.signature.detail}`);
  lines.push(describeCosigned(report));
  lines.push(...report.warnings.map((w) => `WARNING: ${w}`));
  return `${lines.join('\n')}\n`;
}
