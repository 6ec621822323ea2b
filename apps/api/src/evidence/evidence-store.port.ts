import { createHash } from 'node:crypto';

/** A stored evidence file: named by the SHA-256 of its bytes, with the type it was uploaded as. */
export interface EvidenceFile {
  /** 64 lower-case hex digits. */
  readonly sha256: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface StoredEvidence {
  readonly file: EvidenceFile;
  /** True when the bytes were written now; false when the same content was there already. */
  readonly created: boolean;
}

/**
 * Evidence files beside the event store, content-addressed: a file's name is its hash, so an
 * event that names the hash names the bytes. Small on purpose: store, look up, read.
 */
export interface EvidenceStore {
  /** Stores the bytes under their hash; the same bytes again change nothing (a damaged copy is replaced). */
  put(content: Buffer, mediaType: string): Promise<StoredEvidence>;
  /** What is stored under the hash, without reading the bytes. */
  find(sha256: string): Promise<EvidenceFile | undefined>;
  /** The bytes, checked against their name on the way: EvidenceCorruptedError when they no longer hash to it. */
  read(sha256: string): Promise<{ file: EvidenceFile; content: Buffer } | undefined>;
  close(): Promise<void>;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export const sha256Of = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

/** The stored bytes of `expected` hash to `found`: someone changed them after they were stored. */
export class EvidenceCorruptedError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(`The evidence stored as ${expected} no longer hashes to its name (its bytes hash to ${found})`);
    this.name = 'EvidenceCorruptedError';
  }
}

/** Throws EvidenceCorruptedError unless `content` hashes to `sha256`. */
export function checkedContent(sha256: string, content: Buffer): Buffer {
  const found = sha256Of(content);
  if (found !== sha256) throw new EvidenceCorruptedError(sha256, found);
  return content;
}
