import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hashOf, RunningDigest, type LogDigest, type VerifyReport } from '@accord/audit';
import { plural } from '@accord/commitments';
import { DEFAULT_STORE_URL, openEventStore, parseStoreUrl } from '@accord/store-factory';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { BROKEN_LOG_EXIT_CODE } from './audit.command';
import { CliError } from './keys.command';
import { describeBrokenLink, verifyStore } from './store.command';

const storeOption = ['--store <url>', 'event store URL (default: $ACCORD_STORE or sqlite:./data/accord.db)'] as const;
const storeUrl = (url: string | undefined): string => url ?? process.env.ACCORD_STORE ?? DEFAULT_STORE_URL;

/** Pages per backup step: all of them, so that the copy is one step under one read transaction. */
const ALL_PAGES = 0x7fffffff;

/**
 * `accord backup --to <file>`: SQLite's online backup API copies the whole database (log,
 * keys, idempotency records, read models) as one snapshot while the API goes on writing;
 * the copy is then verified and compared with the live log before it takes its name.
 */
export function backupCommand(): Command {
  return new Command('backup')
    .description(
      "copy the embedded SQLite store while the API runs (SQLite's online backup), then verify the copy against the live log",
    )
    .option(...storeOption)
    .requiredOption('--to <file>', 'the backup file (written beside it, then renamed into place)')
    .option('--force', 'replace --to if it exists')
    .addHelpText(
      'after',
      `\nExit status: 0 written and verified, ${BROKEN_LOG_EXIT_CODE} written but the log does not verify, 2 refused, 1 failure.`,
    )
    .action(async (options: { store?: string; to: string; force?: boolean }) => {
      const live = sqliteFile(storeUrl(options.store), 'backup');
      const to = resolve(options.to);
      if (!existsSync(live)) throw new CliError(`${live} does not exist: there is nothing to back up`);
      if (to === live) throw new CliError('--to names the store itself');
      if (existsSync(to) && statSync(to).isDirectory())
        throw new CliError(`${to} is a directory: name the backup file`);
      if (existsSync(to) && !options.force) throw new CliError(`${to} exists: pass --force to replace it`);
      mkdirSync(dirname(to), { recursive: true });
      const partial = `${to}.partial-${process.pid}`;
      removeDatabase(partial);
      const started = performance.now();
      let report: VerifyReport;
      let pages: number;
      try {
        pages = await snapshot(live, partial);
        report = await verifyFile(partial, 'verify backup');
        // The backup must hold exactly the live log's first events, up to its own last position.
        if (report.intact) {
          const here = await liveDigest(`sqlite:${live}`, report.digest.position);
          if (here.count !== report.digest.count || here.digest !== report.digest.digest) {
            throw new CliError(
              `the backup is not the live log up to its position ${report.digest.position}: ` +
                `${JSON.stringify(report.digest)} against ${JSON.stringify(here)}; nothing was written`,
            );
          }
        }
        seal(partial);
        renameSync(partial, to);
        syncDirectory(dirname(to));
      } catch (error) {
        removeDatabase(partial);
        throw error;
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const size = (pages * pageSize(to)) / 2 ** 20;
      process.stdout.write(
        `backed up ${live} to ${to}: ${plural(pages, 'page')} (${size.toFixed(1)} MiB) in ${seconds} s\n`,
      );
      if (!report.intact) {
        process.stderr.write(
          `accord: the backup is a faithful copy, but the log does not verify:\n${describeBrokenLink(report.brokenLink!)}\n`,
        );
        process.exitCode = BROKEN_LOG_EXIT_CODE;
        return;
      }
      process.stdout.write(
        `verified: ${plural(report.events, 'event')}, ${plural(report.streams, 'stream')}, every hash chain intact, ` +
          `up to position ${report.digest.position}\n` +
          `digest: ${JSON.stringify(report.digest)} (the live log's at the same position)\n`,
      );
    });
}

/**
 * `accord restore --from <backup>`: verifies the backup, then puts a copy of it in place of
 * the store. An existing store is replaced only with --force, never while a process has it
 * open, and is kept beside it rather than deleted.
 */
export function restoreCommand(): Command {
  return new Command('restore')
    .description('put a verified copy of a backup in place of the embedded SQLite store (the API must be stopped)')
    .requiredOption('--from <file>', 'a backup written by accord backup (left as it is)')
    .option(...storeOption)
    .option('--force', 'replace an existing store; it is kept beside it as <file>.replaced-<time>')
    .addHelpText(
      'after',
      `\nExit status: 0 restored, ${BROKEN_LOG_EXIT_CODE} the backup does not verify (nothing restored), 2 refused, 1 failure.`,
    )
    .action(async (options: { from: string; store?: string; force?: boolean }) => {
      const backup = resolve(options.from);
      const target = sqliteFile(storeUrl(options.store), 'restore');
      if (!existsSync(backup)) throw new CliError(`${backup} does not exist`);
      if (backup === target) throw new CliError('--from names the store itself');
      const exists = existsSync(target);
      if (exists && !options.force) {
        throw new CliError(
          `${target} exists: restore replaces a store only with --force (the store replaced is kept beside it)`,
        );
      }
      if (!exists && existsSync(`${target}-wal`)) {
        // SQLite would apply this log to the restored file on the next open.
        throw new CliError(`${target}-wal lies there without its database: move it away, then restore`);
      }
      mkdirSync(dirname(target), { recursive: true });
      const staged = `${target}.restoring-${process.pid}`;
      removeDatabase(staged);
      let report: VerifyReport;
      let replaced: { file: string; events: number; position: number } | undefined;
      try {
        copyFileSync(backup, staged);
        assertAccordStore(staged, backup);
        report = await verifyFile(staged, 'verify backup');
        if (!report.intact) {
          process.stderr.write(
            `accord: ${backup} does not verify, nothing was restored\n${describeBrokenLink(report.brokenLink!)}\n`,
          );
          process.exitCode = BROKEN_LOG_EXIT_CODE;
          removeDatabase(staged);
          return;
        }
        if (exists) {
          const held = releaseStore(target);
          const file = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          renameSync(target, file);
          replaced = { file, ...held };
        }
        renameSync(staged, target);
        syncDirectory(dirname(target));
      } catch (error) {
        removeDatabase(staged);
        throw error;
      }
      process.stdout.write(
        `restored ${backup} into ${target}: ${plural(report.events, 'event')} up to position ${report.digest.position}, ` +
          `every hash chain intact\ndigest: ${JSON.stringify(report.digest)}\n`,
      );
      if (replaced) {
        process.stdout.write(
          `the store it replaced (${plural(replaced.events, 'event')}, up to position ${replaced.position}) is kept as ${replaced.file}` +
            (replaced.position > report.digest.position ? ': it holds events the backup does not have\n' : '\n'),
        );
      }
    });
}

/** The file a sqlite: URL names; other stores have backups of their own. */
function sqliteFile(url: string, command: string): string {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'sqlite':
      if (location.filename === ':memory:') throw new CliError('a sqlite::memory: store keeps nothing to back up');
      return location.filename;
    case 'postgres':
      throw new CliError(
        `accord ${command} is for the embedded SQLite store; back up PostgreSQL with pg_dump or base backups (README, Operations: backups)`,
      );
    case 'kurrentdb':
      throw new CliError(
        `accord ${command} is for the embedded SQLite store; back up KurrentDB with its own backup (README, Operations: backups)`,
      );
    case 'memory':
      throw new CliError('a memory: store keeps nothing to back up');
  }
}

/** Copies the live database into `partial` through the online backup API; returns its pages. */
async function snapshot(live: string, partial: string): Promise<number> {
  let db: Database.Database;
  try {
    db = new Database(live, { fileMustExist: true });
  } catch (error) {
    throw new CliError(`${live} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 5000');
    assertEventsTable(db, live);
    // Step by step, the backup starts over whenever another connection writes between two
    // steps, as the API does all the time; in one step it reads one snapshot (WAL readers
    // do not block the writer).
    const { totalPages } = await db.backup(partial, { progress: () => ALL_PAGES });
    return totalPages;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`the backup of ${live} failed, nothing was written: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    db.close();
  }
}

function assertAccordStore(file: string, name: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, readonly: true });
  } catch (error) {
    throw new CliError(`${name} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
  try {
    assertEventsTable(db, name);
  } finally {
    db.close();
  }
}

function assertEventsTable(db: Database.Database, name: string): void {
  let tables: number;
  try {
    tables = db
      .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'")
      .pluck()
      .get() as number;
  } catch (error) {
    throw new CliError(`${name} is not a SQLite database: ${(error as Error).message}`, { cause: error });
  }
  if (tables === 0) throw new CliError(`${name} is not an accord store: it has no events table`);
}

async function verifyFile(file: string, label: string): Promise<VerifyReport> {
  const url = `sqlite:${file}`;
  const store = await openEventStore(url);
  try {
    return await verifyStore(url, store, label);
  } finally {
    await store.close();
  }
}

/** The running digest of the live log up to `position`, as GET /audit/digest gave it then. */
async function liveDigest(url: string, position: number): Promise<LogDigest> {
  const store = await openEventStore(url);
  try {
    const running = new RunningDigest();
    for (;;) {
      const page = await store.readAll({ after: running.position, maxCount: 1000 });
      for (const event of page) {
        if (event.position > position) return running.snapshot();
        running.add(event.position, hashOf(event));
      }
      if (page.length === 0) return running.snapshot();
    }
  } finally {
    await store.close();
  }
}

/** Makes the backup one self-contained file (no -wal beside it) and durable before it is renamed. */
function seal(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses a store another process has open, and otherwise folds its WAL into it, so that
 * the file alone can be moved aside. Leaving WAL mode needs every other connection to the
 * file closed: that is the test that no API or accord command is using it.
 */
function releaseStore(file: string): { events: number; position: number } {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (error) {
    throw new CliError(`${file} cannot be opened: ${(error as Error).message}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 0');
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true });
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') {
        throw new CliError(`${file} cannot be replaced: ${(error as Error).message}`, { cause: error });
      }
    }
    if (mode !== 'delete') {
      throw new CliError(`${file} is in use (by an API or another accord command): stop it, then restore`);
    }
    assertEventsTable(db, file);
    const [events, position] = db.prepare('SELECT count(*), coalesce(max(position), 0) FROM events').raw().get() as [
      number,
      number,
    ];
    return { events, position };
  } finally {
    db.close();
  }
}

function pageSize(file: string): number {
  const db = new Database(file, { fileMustExist: true, readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
