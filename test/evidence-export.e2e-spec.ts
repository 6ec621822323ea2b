import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEvidenceStore } from '../apps/api/src/evidence/file-evidence-store';
import { evidenceFolderOf } from '../apps/api/src/evidence/open-evidence-store';
import type { SqlApiState } from '../apps/api/src/infrastructure/state/sql-api-state';
import { API_STATE } from '../apps/api/src/infrastructure/state/state.module';
import { accord } from './support/cli';
import { decide } from './support/internal-commands';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

const onPostgres = process.env.ACCORD_TEST_STORE === 'postgres';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe(`accord export --evidence (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  let out: string;
  let ma: string;
  const files = [randomBytes(4000), Buffer.from(`Report ${randomUUID()}`), randomBytes(100)];
  let id: string;

  beforeAll(async () => {
    t = await startTestApp();
    out = mkdtempSync(join(tmpdir(), 'accord-evidence-export-'));
    const secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    const agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
    const proposed = await t.post(
      '/commitments',
      { agreementId, title: 'Unit', description: 'A unit.', domain: 'cybercrime', leadAgencies: ['DGSN'] },
      ma,
    );
    id = proposed.json().id;
    await decide(t, id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
    await decide(t, id, 'ApproveCommitment');
    await t.post(`/commitments/${id}/start`, {}, ma);
    const hashes: string[] = [];
    for (const file of files) {
      const stored = await t.request({
        method: 'POST',
        url: '/evidence',
        payload: file,
        headers: { 'content-type': 'application/octet-stream' },
        key: ma,
      });
      hashes.push(stored.json().sha256);
    }
    // Two files named by a progress report, one (twice) by the completion; a link without a file is not copied.
    expect(
      (
        await t.post(
          `/commitments/${id}/progress`,
          {
            percent: 50,
            narrative: 'Half',
            evidence: [
              { title: 'A', sha256: hashes[0] },
              { title: 'B', sha256: hashes[1] },
              { title: 'Link', uri: 'https://e.org/x' },
            ],
          },
          ma,
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.post(
          `/commitments/${id}/complete`,
          {
            summary: 'Done',
            evidence: [
              { title: 'A again', sha256: hashes[0] },
              { title: 'C', sha256: hashes[2] },
            ],
          },
          ma,
        )
      ).statusCode,
    ).toBe(200);
    // An upload no event names stays out of the bundle.
    await t.request({
      method: 'POST',
      url: '/evidence',
      payload: Buffer.from('not referenced'),
      headers: { 'content-type': 'text/plain' },
      key: ma,
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('copies every evidence file the exported events name to <dir>/<sha256>, and only those', async () => {
    const dir = join(out, 'bundle');
    const result = await accord(['export', '--store', t.storeUrl, '--out', join(out, 'log.ndjson'), '--evidence', dir]);
    expect(result.stderr).toContain('copied 3 evidence files');
    expect(result.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(files.map(sha256).sort());
    for (const file of files) expect(Buffer.compare(readFileSync(join(dir, sha256(file))), file)).toBe(0);
    expect(readFileSync(join(out, 'log.ndjson'), 'utf8')).toContain(sha256(files[2]));
  });

  it('copies only the files of the exported stream', async () => {
    const dir = join(out, 'one-stream');
    const other = await accord([
      'export',
      '--store',
      t.storeUrl,
      '--stream',
      `agreement-${randomUUID()}`,
      '--evidence',
      dir,
    ]);
    expect(other.code).toBe(0);
    expect(other.stderr).toContain('copied 0 evidence files');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file whose bytes no longer hash to their name, naming it', async () => {
    const hash = sha256(files[1]);
    if (onPostgres) {
      await t.app
        .get<SqlApiState>(API_STATE)
        .db.execute('UPDATE evidence SET content = ? WHERE sha256 = ?', [Buffer.from('forged'), hash]);
    } else {
      const path = FileEvidenceStore.pathOf(evidenceFolderOf(t.storeUrl.slice('sqlite:'.length)), hash);
      chmodSync(path, 0o644);
      writeFileSync(path, 'forged');
    }
    const dir = join(out, 'tampered');
    const result = await accord(['export', '--store', t.storeUrl, '--out', join(out, 't.ndjson'), '--evidence', dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(hash);
    expect(result.stderr).toContain('corrupted');
    expect(result.stderr).toContain(onPostgres ? 'table evidence' : FileEvidenceStore.pathOf('', hash).slice(1));
    expect(existsSync(join(dir, hash))).toBe(false);
  });
});
