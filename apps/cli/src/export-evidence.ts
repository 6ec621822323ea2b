import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedEvent } from '@accord/event-store';
import { plural } from '@accord/commitments';
import { EvidenceCorruptedError, SHA256_HEX } from '../../api/src/evidence/evidence-store.port';
import { FileEvidenceStore } from '../../api/src/evidence/file-evidence-store';
import { openEvidenceStore } from '../../api/src/evidence/open-evidence-store';
import { CliError } from './keys.command';
import { progressBar } from './progress';

/** The evidence files an event names by hash (ProgressReported, CommitmentCompleted: `evidence[].sha256`). */
export function evidenceHashesOf(event: RecordedEvent): string[] {
  const evidence = (event.data as { evidence?: unknown } | null)?.evidence;
  if (!Array.isArray(evidence)) return [];
  return evidence
    .map((item) => (item as { sha256?: unknown } | null)?.sha256)
    .filter((sha256): sha256 is string => typeof sha256 === 'string' && SHA256_HEX.test(sha256));
}

/**
 * `accord export --evidence <dir>`: every evidence file the exported events name, copied to
 * `<dir>/<sha256>` from the store's evidence (the SQLite folder or the PostgreSQL table). Each is
 * hashed as it is read: a file whose bytes no longer hash to its name, or one that is missing,
 * is an error naming it, so a bundle never carries other bytes than the events cover.
 */
export async function copyEvidence(
  storeUrl: string,
  hashes: ReadonlySet<string>,
  dir: string,
): Promise<{ files: number; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const store = openEvidenceStore(storeUrl, process.env.ACCORD_READ_MODEL);
  const where = (sha256: string) =>
    store instanceof FileEvidenceStore
      ? FileEvidenceStore.pathOf(store.root, sha256)
      : `the row ${sha256} of the table evidence`;
  let bytes = 0;
  let done = 0;
  const bar = process.stderr.isTTY ? progressBar('evidence', hashes.size) : undefined;
  try {
    for (const sha256 of [...hashes].sort()) {
      let found: Awaited<ReturnType<typeof store.read>>;
      try {
        found = await store.read(sha256);
      } catch (error) {
        if (error instanceof EvidenceCorruptedError) {
          throw new CliError(`evidence ${where(sha256)} is corrupted: its bytes hash to ${error.found}, not ${sha256}`);
        }
        throw error;
      }
      if (!found)
        throw new CliError(`evidence ${sha256} is named by an exported event but not stored (${where(sha256)})`);
      const target = join(dir, sha256);
      const partial = `${target}.partial-${process.pid}-${randomBytes(3).toString('hex')}`;
      try {
        writeFileSync(partial, found.content);
        renameSync(partial, target);
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
      bytes += found.content.length;
      bar?.update(++done);
    }
  } finally {
    bar?.stop();
    await store.close();
  }
  process.stderr.write(`copied ${plural(hashes.size, 'evidence file')} (${bytes} bytes) to ${dir}\n`);
  return { files: hashes.size, bytes };
}
