import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkedContent,
  EvidenceCorruptedError,
  sha256Of,
  type EvidenceFile,
  type EvidenceStore,
  type StoredEvidence,
} from './evidence-store.port';

interface Meta {
  readonly mediaType: string;
  readonly size: number;
  readonly storedAt: string;
}

/**
 * Evidence in a folder (`<db path>.evidence` for a SQLite store): `<first 2 hex>/<sha256>` holds
 * the bytes and `<sha256>.json` beside it the media type. Each is written to a temporary name,
 * fsync'd and renamed (and the folder fsync'd), so a crash never leaves a half file under a final
 * name; the bytes are written last, so a file that exists always has its type.
 */
export class FileEvidenceStore implements EvidenceStore {
  /** `ephemeral`: the folder is removed on close (a `memory:` store keeps nothing either). */
  constructor(
    readonly root: string,
    private readonly ephemeral = false,
  ) {}

  static pathOf(root: string, sha256: string): string {
    return join(root, sha256.slice(0, 2), sha256);
  }

  async put(content: Buffer, mediaType: string): Promise<StoredEvidence> {
    const sha256 = sha256Of(content);
    const existing = await this.read(sha256).catch((error: unknown) => {
      if (error instanceof EvidenceCorruptedError) return undefined; // replaced below by the right bytes
      throw error;
    });
    if (existing) return { file: existing.file, created: false };
    const folder = join(this.root, sha256.slice(0, 2));
    await mkdir(folder, { recursive: true });
    const meta = await this.meta(sha256);
    if (!meta) {
      const record: Meta = { mediaType, size: content.length, storedAt: new Date().toISOString() };
      await writeDurably(folder, `${sha256}.json`, Buffer.from(JSON.stringify(record)));
    }
    await writeDurably(folder, sha256, content);
    return { file: { sha256, mediaType: meta?.mediaType ?? mediaType, size: content.length }, created: true };
  }

  async find(sha256: string): Promise<EvidenceFile | undefined> {
    const size = await stat(FileEvidenceStore.pathOf(this.root, sha256)).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      },
    );
    if (size === undefined) return undefined;
    const meta = await this.meta(sha256);
    return { sha256, mediaType: meta?.mediaType ?? 'application/octet-stream', size: meta?.size ?? size };
  }

  async read(sha256: string): Promise<{ file: EvidenceFile; content: Buffer } | undefined> {
    let content: Buffer;
    try {
      content = await readFile(FileEvidenceStore.pathOf(this.root, sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    checkedContent(sha256, content);
    const meta = await this.meta(sha256);
    return {
      file: { sha256, mediaType: meta?.mediaType ?? 'application/octet-stream', size: content.length },
      content,
    };
  }

  async close(): Promise<void> {
    if (this.ephemeral) await rm(this.root, { recursive: true, force: true });
  }

  private async meta(sha256: string): Promise<Meta | undefined> {
    try {
      return JSON.parse(await readFile(`${FileEvidenceStore.pathOf(this.root, sha256)}.json`, 'utf8')) as Meta;
    } catch {
      return undefined; // no record (or a torn one from before a crash): the bytes alone still are the evidence
    }
  }
}

/** Temp file, fsync, rename, fsync the folder: the final name holds all of the bytes or none. */
async function writeDurably(folder: string, name: string, content: Buffer): Promise<void> {
  const temporary = join(folder, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o444);
  try {
    await file.writeFile(content);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  await rename(temporary, join(folder, name));
  const directory = await open(folder, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
