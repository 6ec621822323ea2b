import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { SqlDb } from '@accord/sql';
import { FileEvidenceStore } from '../apps/api/src/evidence/file-evidence-store';
import { evidenceFolderOf } from '../apps/api/src/evidence/open-evidence-store';
import type { SqlApiState } from '../apps/api/src/infrastructure/state/sql-api-state';
import { API_STATE } from '../apps/api/src/infrastructure/state/state.module';
import { decide } from './support/internal-commands';
import { MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

const onPostgres = process.env.ACCORD_TEST_STORE === 'postgres';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe(`evidence files, content-addressed (real app, ${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  let ma: string;
  let qa: string;
  let secretariat: string;
  let auditor: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    qa = await t.createKey('delegate', 'QA');
    auditor = await t.createKey('auditor');
    agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
  });
  afterAll(() => t.close());

  const upload = (bytes: Buffer, type: string, key = ma) =>
    t.request({ method: 'POST', url: '/evidence', payload: bytes, headers: { 'content-type': type }, key });
  const download = (hash: string, key = auditor) => t.request({ method: 'GET', url: `/evidence/${hash}`, key });

  /** The database the app keeps its own tables in: the PostgreSQL schema of this test app. */
  const sideDb = (): SqlDb => t.app.get<SqlApiState>(API_STATE).db;
  /** Changes the stored bytes behind the API's back, as someone with access to the disk or the database could. */
  async function tamper(hash: string, bytes: Buffer): Promise<void> {
    if (onPostgres) {
      expect(await sideDb().execute('UPDATE evidence SET content = ? WHERE sha256 = ?', [bytes, hash])).toBe(1);
    } else {
      const path = FileEvidenceStore.pathOf(evidenceFolderOf(t.storeUrl.slice('sqlite:'.length)), hash);
      chmodSync(path, 0o644);
      writeFileSync(path, bytes);
    }
  }
  async function storedCount(): Promise<number> {
    if (onPostgres) {
      const [row] = await sideDb().query<{ n: number }>('SELECT count(*)::int AS n FROM evidence');
      return row.n;
    }
    const folder = evidenceFolderOf(t.storeUrl.slice('sqlite:'.length));
    if (!existsSync(folder)) return 0;
    return readdirSync(folder, { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && /^[0-9a-f]{64}$/.test(entry.name),
    ).length;
  }

  async function inProgress(): Promise<string> {
    const proposed = await t.post(
      '/commitments',
      { agreementId, title: 'Joint unit', description: 'A joint unit.', domain: 'cybercrime', leadAgencies: ['DGSN'] },
      ma,
    );
    expect(proposed.statusCode).toBe(201);
    const id: string = proposed.json().id;
    await decide(t, id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
    await decide(t, id, 'ApproveCommitment');
    expect((await t.post(`/commitments/${id}/start`, {}, ma)).statusCode).toBe(200);
    return id;
  }

  it('stores the bytes under their SHA-256: 201, then 200 with the same body for the same bytes', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(5000)]);
    const first = await upload(pdf, 'application/pdf');
    expect(first.statusCode).toBe(201);
    const body = {
      sha256: sha256(pdf),
      size: pdf.length,
      mediaType: 'application/pdf',
      uri: `/evidence/${sha256(pdf)}`,
    };
    expect(first.json()).toEqual(body);
    expect(first.headers.location).toBe(body.uri);
    const again = await upload(pdf, 'application/pdf', qa);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(body);
    // The secretariat may upload too (it records what the committee receives).
    const annex = await upload(Buffer.from(`Annexe é ${randomUUID()}`), 'text/plain; charset=utf-8', secretariat);
    expect(annex.statusCode).toBe(201);
    expect(annex.json().mediaType).toBe('text/plain; charset=utf-8');
    expect((await download(annex.json().sha256)).headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('serves the bytes as stored, checked, as an immutable attachment', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(3000)]);
    const hash = (await upload(png, 'image/png')).json().sha256;
    const got = await download(hash);
    expect(got.statusCode).toBe(200);
    expect(Buffer.compare(got.rawPayload, png)).toBe(0);
    expect(sha256(got.rawPayload)).toBe(hash);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers.etag).toBe(`"${hash}"`);
    expect(got.headers['cache-control']).toContain('immutable');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-disposition']).toMatch(/^attachment/);
    const head = await t.request({ method: 'HEAD', url: `/evidence/${hash}`, key: ma });
    expect(head.statusCode).toBe(200);
    expect(head.headers.etag).toBe(`"${hash}"`);
    expect(head.rawPayload.length).toBe(0);
  });

  it('puts the hash and the size of a stored file into the event, so the hash chain covers the document', async () => {
    const id = await inProgress();
    const report = Buffer.from(`Attendance list ${randomUUID()}`);
    const hash = (await upload(report, 'text/plain')).json().sha256;
    const progress = await t.post(
      `/commitments/${id}/progress`,
      {
        percent: 40,
        narrative: 'Contact points named',
        evidence: [
          { title: 'Attendance list', sha256: hash },
          { title: 'Order', uri: 'https://e.org/o.pdf' },
        ],
      },
      ma,
    );
    expect(progress.statusCode).toBe(200);
    const completed = await t.post(
      `/commitments/${id}/complete`,
      { summary: 'Operational', evidence: [{ title: 'Report', uri: `/evidence/${hash}`, sha256: hash }] },
      ma,
    );
    expect(completed.statusCode).toBe(200);
    const events = await t.store.readStream(`commitment-${id}`);
    expect(events.find((e) => e.type === 'ProgressReported')!.data).toMatchObject({
      evidence: [
        { title: 'Attendance list', uri: `/evidence/${hash}`, sha256: hash, size: report.length },
        { title: 'Order', uri: 'https://e.org/o.pdf' },
      ],
    });
    expect(events.find((e) => e.type === 'CommitmentCompleted')!.data).toEqual({
      commitmentId: id,
      summary: 'Operational',
      evidence: [{ title: 'Report', uri: `/evidence/${hash}`, sha256: hash, size: report.length }],
    });
  });

  it('refuses a command naming a hash that is not stored with 422 EVIDENCE_NOT_FOUND, appending nothing', async () => {
    const id = await inProgress();
    const before = (await t.log()).length;
    const missing = sha256(randomBytes(32));
    const refused = await t.post(
      `/commitments/${id}/progress`,
      { percent: 10, narrative: 'x', evidence: [{ title: 'Ghost', sha256: missing }] },
      ma,
    );
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'EVIDENCE_NOT_FOUND', sha256: missing });
    expect((await t.log()).length).toBe(before);
    // A hash that is no hash is the client's mistake, found before anything is looked up.
    const malformed = await t.post(
      `/commitments/${id}/progress`,
      { percent: 10, narrative: 'x', evidence: [{ title: 'Ghost', sha256: missing.toUpperCase() }] },
      ma,
    );
    expect(malformed.statusCode).toBe(400);
    expect((await t.log()).length).toBe(before);
  });

  it('never serves bytes that no longer hash to their name: 409 EVIDENCE_CORRUPTED with both hashes', async () => {
    const original = Buffer.from(`Signed protocol ${randomUUID()}`);
    const hash = (await upload(original, 'text/plain')).json().sha256;
    const forged = Buffer.from(`Signed protocol ${randomUUID()}`);
    await tamper(hash, forged);
    const got = await download(hash);
    expect(got.statusCode).toBe(409);
    expect(got.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(got.json()).toMatchObject({ code: 'EVIDENCE_CORRUPTED', expected: hash, found: sha256(forged) });
    expect(got.body).not.toContain('Signed protocol');
    // Uploading the original again puts the right bytes back.
    expect((await upload(original, 'text/plain')).statusCode).toBe(201);
    expect(Buffer.compare((await download(hash)).rawPayload, original)).toBe(0);
  });

  it('answers an unknown hash 404 EVIDENCE_NOT_FOUND and a malformed one 400', async () => {
    const unknown = await download(sha256(randomBytes(8)));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('EVIDENCE_NOT_FOUND');
    for (const bad of ['abc', 'AB'.repeat(32), `${'a'.repeat(63)}g`]) {
      const refused = await download(bad);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses an empty body with 400 EVIDENCE_EMPTY, over 20 MiB with 413 EVIDENCE_TOO_LARGE, storing nothing', async () => {
    const before = await storedCount();
    const empty = await upload(Buffer.alloc(0), 'application/octet-stream');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('EVIDENCE_EMPTY');
    const large = await upload(Buffer.alloc(20 * 1024 * 1024 + 1, 7), 'application/octet-stream');
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ code: 'EVIDENCE_TOO_LARGE', maxBytes: 20 * 1024 * 1024 });
    expect(await storedCount()).toBe(before);
    // Sent as a stream with no Content-Length, it is counted while read, and reading stops at the limit.
    const chunk = Buffer.alloc(1024 * 1024, 9);
    const streamed = await t.request({
      method: 'POST',
      url: '/evidence',
      payload: Readable.from(Array.from({ length: 21 }, () => chunk)),
      headers: { 'content-type': 'application/octet-stream' },
      key: ma,
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().code).toBe('EVIDENCE_TOO_LARGE');
    expect(await storedCount()).toBe(before);
    // 20 MiB itself is taken.
    expect((await upload(Buffer.alloc(20 * 1024 * 1024, 7), 'application/octet-stream')).statusCode).toBe(201);
    expect(await storedCount()).toBe(before + 1);
  });

  it('takes only the evidence media types, and leaves the commands JSON only', async () => {
    const html = await upload(Buffer.from('<script>alert(1)</script>'), 'text/html');
    expect(html.statusCode).toBe(415);
    expect(html.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const json = await upload(Buffer.from('{"a":1}'), 'application/json');
    expect(json.statusCode).toBe(415);
    const id = await inProgress();
    const text = await t.request({
      method: 'POST',
      url: `/commitments/${id}/progress`,
      payload: 'percent=10',
      headers: { 'content-type': 'text/plain' },
      key: ma,
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('lets the auditor read and not upload', async () => {
    const before = await storedCount();
    const refused = await upload(Buffer.from(`audit ${randomUUID()}`), 'text/plain', auditor);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FORBIDDEN');
    expect(await storedCount()).toBe(before);
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/evidence',
          payload: Buffer.from('x'),
          headers: { 'content-type': 'text/plain' },
        })
      ).statusCode,
    ).toBe(401);
  });
});
