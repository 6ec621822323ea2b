import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithPostgres,
  dropTestSchema,
  TEST_PG_URL,
  testSchemaName,
} from '@accord/event-store-postgres/testing/postgres-test-database';
import { PostgresDb } from '@accord/sql';
import { EvidenceCorruptedError, type EvidenceStore } from './evidence-store.port';
import { FileEvidenceStore } from './file-evidence-store';
import { PostgresEvidenceStore } from './postgres-evidence-store';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Subject {
  readonly store: EvidenceStore;
  /** Changes the stored bytes of `hash` behind the store's back. */
  tamper(hash: string, bytes: Buffer): Promise<void>;
  dispose(): Promise<void>;
}

/** One suite for both adapters: what the API and the CLI rely on. */
function evidenceStoreConformance(name: string, open: () => Promise<Subject>, wrap = describe): void {
  wrap(`${name} evidence store`, () => {
    let subject: Subject;
    beforeEach(async () => (subject = await open()));
    afterEach(() => subject.dispose());

    it('stores bytes under their SHA-256 once, keeping the first media type', async () => {
      const bytes = randomBytes(1000);
      const first = await subject.store.put(bytes, 'application/pdf');
      expect(first).toEqual({
        created: true,
        file: { sha256: sha256(bytes), size: 1000, mediaType: 'application/pdf' },
      });
      const again = await subject.store.put(bytes, 'text/plain');
      expect(again).toEqual({ created: false, file: first.file });
      expect(await subject.store.find(sha256(bytes))).toEqual(first.file);
      const read = await subject.store.read(sha256(bytes));
      expect(read?.file).toEqual(first.file);
      expect(Buffer.compare(read!.content, bytes)).toBe(0);
    });

    it('knows nothing of a hash never stored', async () => {
      const hash = sha256(randomBytes(4));
      expect(await subject.store.find(hash)).toBeUndefined();
      expect(await subject.store.read(hash)).toBeUndefined();
    });

    it('refuses to read changed bytes, and takes the right ones back', async () => {
      const bytes = Buffer.from('the signed report');
      const hash = sha256(bytes);
      await subject.store.put(bytes, 'text/plain');
      await subject.tamper(hash, Buffer.from('the forged report'));
      await expect(subject.store.read(hash)).rejects.toEqual(
        new EvidenceCorruptedError(hash, sha256(Buffer.from('the forged report'))),
      );
      expect((await subject.store.put(bytes, 'text/plain')).created).toBe(true);
      expect(Buffer.compare((await subject.store.read(hash))!.content, bytes)).toBe(0);
    });
  });
}

evidenceStoreConformance('file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'accord-evidence-spec-'));
  const store = new FileEvidenceStore(root);
  return {
    store,
    async tamper(hash, bytes) {
      chmodSync(FileEvidenceStore.pathOf(root, hash), 0o644);
      writeFileSync(FileEvidenceStore.pathOf(root, hash), bytes);
    },
    async dispose() {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

evidenceStoreConformance(
  'PostgreSQL',
  async () => {
    const schema = testSchemaName();
    const db = new PostgresDb(TEST_PG_URL, { schema });
    const store = new PostgresEvidenceStore(db, true);
    return {
      store,
      async tamper(hash, bytes) {
        await db.execute('UPDATE evidence SET content = ? WHERE sha256 = ?', [bytes, hash]);
      },
      async dispose() {
        await store.close();
        await dropTestSchema(schema);
      },
    };
  },
  describeWithPostgres as typeof describe,
);

describe('file evidence store, on disk', () => {
  it('leaves only final names behind (no temporary file), read-only, two hex digits a folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'accord-evidence-spec-'));
    try {
      const bytes = randomBytes(64);
      const hash = sha256(bytes);
      await new FileEvidenceStore(root).put(bytes, 'image/png');
      expect(readdirSync(root)).toEqual([hash.slice(0, 2)]);
      expect(readdirSync(join(root, hash.slice(0, 2))).sort()).toEqual([hash, `${hash}.json`]);
      expect(statSync(FileEvidenceStore.pathOf(root, hash)).mode & 0o222).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('serves bytes whose type record is torn as application/octet-stream rather than losing them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'accord-evidence-spec-'));
    try {
      const bytes = randomBytes(64);
      const hash = sha256(bytes);
      const store = new FileEvidenceStore(root);
      await store.put(bytes, 'image/png');
      const meta = `${FileEvidenceStore.pathOf(root, hash)}.json`;
      chmodSync(meta, 0o644);
      writeFileSync(meta, '{"mediaT');
      expect((await store.read(hash))?.file).toEqual({ sha256: hash, size: 64, mediaType: 'application/octet-stream' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('removes an ephemeral folder on close (memory: stores keep nothing)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'accord-evidence-spec-'));
    const store = new FileEvidenceStore(root, true);
    await store.put(randomBytes(8), 'application/octet-stream');
    await store.close();
    expect(() => readdirSync(root)).toThrow();
  });
});
