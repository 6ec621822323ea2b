import { readFileSync, writeFileSync } from 'node:fs';
import {
  addendumContent,
  addendumDocument,
  contentHashOf,
  isDocumentLang,
  minutesContent,
  minutesDocument,
  readMinutesSources,
  readPdfMetadata,
  renderHtml,
  renderPdf,
  accordPdfRenderer,
  type DocumentLang,
  type DocumentModel,
} from '@accord/documents';
import { findHeadPosition } from '@accord/audit';
import type { EventStore } from '@accord/event-store';
import { DEFAULT_STORE_URL, openEventStore } from '@accord/store-factory';
import { Command, Option } from 'commander';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** Exit status of `minutes verify` when the file is not adopted minutes as the log has them. */
export const MINUTES_REFUSED_EXIT_CODE = 3;

const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;
const storeUrl = (url: string | undefined): string => url ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;

/** `accord minutes <sessionId>` writes the minutes; `accord minutes verify <file.pdf>` checks a printed copy. */
export function minutesCommand(): Command {
  const minutes = new Command('minutes')
    .description("write a session's minutes (PDF, HTML or JSON) from the log, or verify a PDF of them")
    .argument('[sessionId]', 'the session')
    .addOption(new Option('--lang <lang>', 'language of the document').choices(['fr', 'en', 'ar']).default('fr'))
    .addOption(new Option('--format <format>', 'what to write').choices(['pdf', 'html', 'json']).default('pdf'))
    .option('--addendum <n>', 'write addendum n instead of the minutes', parseAddendum)
    .option('--out <file>', 'where to write it (default: standard output)')
    .option(...storeOption)
    .action(async (sessionId: string | undefined, options: WriteOptions) => {
      if (sessionId === undefined)
        throw new CliError('name a session: accord minutes <sessionId>, or accord minutes verify <file.pdf>');
      const store = await openEventStore(storeUrl(options.store));
      try {
        const model = await documentOf(store, sessionId, options.addendum ?? 0, options.lang as DocumentLang);
        const output =
          options.format === 'pdf'
            ? await renderPdf(model.document)
            : options.format === 'html'
              ? renderHtml(model.document)
              : `${JSON.stringify({ contentHash: model.contentHash, content: model.content }, null, 2)}\n`;
        if (options.out === undefined) process.stdout.write(output);
        else {
          writeFileSync(options.out, output);
          console.error(`wrote ${options.out}: content hash ${model.contentHash}`);
        }
      } finally {
        await store.close();
      }
    });

  minutes
    .command('verify')
    .description('say whether a PDF is minutes (or an addendum) that every party adopted, unchanged')
    .argument('<file>', 'the PDF')
    .option(...storeOption)
    .option('--json', 'print the finding as JSON')
    .addHelpText(
      'after',
      `\nExit status: 0 adopted and unchanged, ${MINUTES_REFUSED_EXIT_CODE} refused (not accord minutes, not adopted, or changed), 2 usage error, 1 failure.`,
    )
    .action(async (file: string, options: { store?: string; json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
      }
      // `minutes` itself takes --store too, and commander gives a shared option to the parent.
      const store = await openEventStore(storeUrl(options.store ?? (minutes.opts() as { store?: string }).store));
      let finding: Finding;
      try {
        finding = await verifyMinutesPdf(store, bytes);
      } finally {
        await store.close();
      }
      process.stdout.write(options.json ? `${JSON.stringify(finding)}\n` : `${finding.verdict}: ${finding.message}\n`);
      if (finding.verdict !== 'adopted') process.exitCode = MINUTES_REFUSED_EXIT_CODE;
    });
  return minutes;
}

interface WriteOptions {
  lang: string;
  format: 'pdf' | 'html' | 'json';
  addendum?: number;
  out?: string;
  store?: string;
}

export interface Finding {
  readonly verdict: 'adopted' | 'not-minutes' | 'not-adopted' | 'changed' | 'log-disagrees';
  readonly message: string;
  readonly contentHash?: string;
  readonly sessionId?: string;
  readonly document?: number;
  readonly adoptedAt?: string;
  readonly parties?: readonly string[];
}

/**
 * A printed copy matches adopted minutes when (1) it carries an accord content hash, (2) the log
 * has every party adopting that hash, (3) the session's events still give content with that hash,
 * and (4) drawing that content again in the file's language gives the file, byte for byte: the
 * renderer is deterministic, so any change to the pages (a word, a figure, a page) shows.
 */
export async function verifyMinutesPdf(store: EventStore, pdf: Buffer): Promise<Finding> {
  const meta = readPdfMetadata(pdf);
  if (meta === null || (meta.kind !== 'minutes' && meta.kind !== 'minutes-addendum') || !meta.contentHash) {
    return {
      verdict: 'not-minutes',
      message: 'the file is not minutes written by accord (no accord content hash in it)',
    };
  }
  const { contentHash } = meta;
  const adoption = await findAdoption(store, contentHash);
  if (adoption === null) {
    return {
      verdict: 'not-adopted',
      contentHash,
      message: `no session's minutes with content hash ${contentHash} were adopted by every party`,
    };
  }
  const { sessionId, document, adoptedAt, parties } = adoption;
  const about = { contentHash, sessionId, document, adoptedAt, parties };
  if (!isDocumentLang(meta.lang)) {
    return { verdict: 'changed', ...about, message: `the file names an unknown language ${String(meta.lang)}` };
  }
  const rebuilt = await documentOf(store, sessionId, document, meta.lang);
  if (rebuilt.contentHash !== contentHash) {
    return {
      verdict: 'log-disagrees',
      ...about,
      message: `the session's events now give content hash ${rebuilt.contentHash}, not the adopted ${contentHash}: run accord audit verify`,
    };
  }
  const drawn = await renderPdf(rebuilt.document);
  const name = document === 0 ? 'minutes' : `addendum ${document} to the minutes`;
  if (!drawn.equals(pdf)) {
    const why =
      meta.renderer !== accordPdfRenderer
        ? `it was drawn by ${String(meta.renderer)} and this accord draws ${accordPdfRenderer}, so its pages cannot be compared`
        : 'its pages differ from the adopted content as accord draws it: the file was changed';
    return { verdict: 'changed', ...about, message: `the content hash is that of adopted ${name}, but ${why}` };
  }
  return {
    verdict: 'adopted',
    ...about,
    message: `${name} of session ${sessionId}, adopted ${adoptedAt} by ${parties.join(', ')}; content hash ${contentHash}`,
  };
}

async function findAdoption(
  store: EventStore,
  contentHash: string,
): Promise<{ sessionId: string; document: number; adoptedAt: string; parties: string[] } | null> {
  const head = await findHeadPosition(store);
  const bar = process.stderr.isTTY ? progressBar('search', head) : undefined;
  try {
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 5000 });
      if (page.length === 0) return null;
      for (const event of page) {
        if (event.type !== 'MinutesAdopted') continue;
        const d = event.data as { sessionId: string; document: number; contentHash: string; parties: string[] };
        if (d.contentHash === contentHash) {
          return { sessionId: d.sessionId, document: d.document, adoptedAt: event.recordedAt, parties: d.parties };
        }
      }
      after = page[page.length - 1].position;
      bar?.update(after);
    }
  } finally {
    bar?.stop();
  }
}

async function documentOf(
  store: EventStore,
  sessionId: string,
  document: number,
  lang: DocumentLang,
): Promise<{ document: DocumentModel; contentHash: string; content: unknown }> {
  const sources = await readMinutesSources(store, sessionId);
  if (sources === null) throw new CliError(`session ${sessionId} was never scheduled`);
  if (document === 0) {
    const content = minutesContent(sources);
    return { document: minutesDocument(content, lang), contentHash: contentHashOf(content), content };
  }
  if (
    !sources.session.some(
      (e) => e.type === 'MinutesAddendumRecorded' && (e.data as { document: number }).document === document,
    )
  ) {
    throw new CliError(`session ${sessionId} has no addendum ${document}`);
  }
  const content = addendumContent(sources, document);
  return { document: addendumDocument(content, lang), contentHash: contentHashOf(content), content };
}

function parseAddendum(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError('--addendum must be a whole number from 1');
  return n;
}
