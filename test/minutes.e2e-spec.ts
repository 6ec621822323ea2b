import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { unzipSync } from 'fflate';
import { accord } from './support/cli';
import { indicesInOrder, pdfPageToPng, pdfText } from './support/pdf-text';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

const FRENCH_TITLE = 'Centre de formation des stadiers';
const ARABIC_TITLE = 'وحدة مشتركة لمكافحة الجريمة الإلكترونية';

/**
 * The minutes of a session, from its events alone, in three languages, as JSON, HTML and PDF;
 * their adoption by both delegations by content hash; an addendum for a correction; and
 * `accord minutes verify` on adopted, unadopted and changed PDFs. On SQLite, and on PostgreSQL
 * with ACCORD_TEST_STORE=postgres (scripts/test-e2e-postgres.js).
 */
describe('the minutes of a session (real app, real store, pdftotext)', () => {
  let t: TestApp;
  let secretariat: string;
  let maDelegate: string;
  let qaDelegate: string;
  let auditor: string;
  let sessionId: string;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'accord-minutes-'));
    secretariat = await t.createKey('secretariat');
    const maIntegration = await t.createKey('integration', 'MA');
    const qaIntegration = await t.createKey('integration', 'QA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    auditor = await t.createKey('auditor');
    const agreementId = (await t.post('/agreements', MOROCCO_QATAR, secretariat)).json().id;
    const propose = async (title: string, domain: string, key: string) => {
      const body = {
        agreementId,
        title,
        description: 'Described.',
        domain,
        leadAgencies: ['DGSN'],
        dueDate: '2031-06-30',
      };
      const response = await t.post('/commitments', body, key);
      expect(response.statusCode).toBe(201);
      return response.json().id as string;
    };
    const stadium = await propose(FRENCH_TITLE, 'stadium security', maIntegration);
    const cyber = await propose(ARABIC_TITLE, 'cybercrime', qaIntegration);
    sessionId = await schedule();
    for (const commitmentId of [stadium, cyber]) {
      expect(
        (await t.post(`/sessions/${sessionId}/agenda`, { commitmentId, kind: 'review' }, secretariat)).statusCode,
      ).toBe(200);
    }
    const [first, second] = (await minutesJson()).content.agenda.map((item: { itemId: string }) => item.itemId);
    expect((await t.post(`/sessions/${sessionId}/open`, { attendance: ['MA', 'QA'] }, secretariat)).statusCode).toBe(
      200,
    );
    const position = async (key: string, itemId: string, value: string, note?: string) =>
      expect(
        (await t.post(`/sessions/${sessionId}/positions`, { itemId, position: value, note }, key)).statusCode,
      ).toBe(200);
    await position(maDelegate, first, 'reject', 'Budget à préciser');
    await position(maDelegate, first, 'approve', 'Budget précisé');
    await position(qaDelegate, first, 'approve', 'موافقة');
    await position(maDelegate, second, 'approve');
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function schedule(): Promise<string> {
    const agreementId = (await t.log()).find((e) => e.type === 'AgreementRegistered')!.data as { agreementId: string };
    const response = await t.post(
      '/sessions',
      {
        agreementId: agreementId.agreementId,
        scheduledFor: '2030-03-10T09:30:00Z',
        venue: 'Doha, ministère de l’Intérieur',
      },
      secretariat,
    );
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }
  const minutesJson = async (id = sessionId, key = auditor) => {
    const response = await t.request({ method: 'GET', url: `/sessions/${id}/minutes`, key });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const document = async (lang: string, format: 'pdf' | 'html', id = sessionId) => {
    const response = await t.request({
      method: 'GET',
      url: `/sessions/${id}/minutes?lang=${lang}&format=${format}`,
      key: auditor,
    });
    expect(response.statusCode).toBe(200);
    return response;
  };
  const approve = (contentHash: string, key: string, id = sessionId) =>
    t.post(`/sessions/${id}/minutes/approvals`, { contentHash }, key);
  const close = async (id = sessionId) =>
    expect((await t.post(`/sessions/${id}/close`, {}, secretariat)).statusCode).toBe(200);
  const squeeze = (text: string) => text.replace(/\s+/g, ' ');
  /**
   * pdftotext gives each word's letters in logical order, but it may put a space inside an
   * Arabic word where two glyphs do not touch, and on a page where Latin letters are the
   * majority it lists the runs of a mixed right-to-left line left to right. So phrases are
   * compared without white space or direction marks, and only phrases of one direction.
   */
  const letters = (text: string) => text.replace(/[\s\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, '');

  it('are a draft while the session is open, which no delegation can approve', async () => {
    const minutes = await minutesJson();
    expect(minutes).toMatchObject({ status: 'draft', awaiting: [], approvals: [], adoptedAt: null, addenda: [] });
    const refused = await approve(minutes.contentHash, maDelegate);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    expect((await t.store.readStream(`session-${sessionId}`)).some((e) => e.type.startsWith('Minutes'))).toBe(false);
  });

  it('list the documents attached to the session, each named by the SHA-256 of its stored bytes', async () => {
    const roll = Buffer.from('%PDF-1.4 signed attendance roll of the session');
    const stored = await t.request({
      method: 'POST',
      url: '/evidence',
      payload: roll,
      headers: { 'content-type': 'application/pdf' },
      key: secretariat,
    });
    expect(stored.statusCode).toBe(201);
    const { sha256 } = stored.json();
    expect(sha256).toBe(createHash('sha256').update(roll).digest('hex'));
    const before = (await t.log()).length;
    const unknown = await t.post(
      `/sessions/${sessionId}/documents`,
      { title: 'Roll', sha256: '1'.repeat(64) },
      secretariat,
    );
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'EVIDENCE_NOT_FOUND' });
    expect((await t.post(`/sessions/${sessionId}/documents`, { title: 'Roll', sha256 }, maDelegate)).statusCode).toBe(
      403,
    );
    expect((await t.log()).length).toBe(before);
    const attached = await t.post(
      `/sessions/${sessionId}/documents`,
      { title: 'Signed attendance roll', sha256 },
      secretariat,
    );
    expect(attached.statusCode).toBe(200);
    expect((await minutesJson()).content.documents).toEqual([
      { title: 'Signed attendance roll', sha256, size: roll.length, mediaType: 'application/pdf' },
    ]);
    const again = await t.post(`/sessions/${sessionId}/documents`, { title: 'Twice', sha256 }, secretariat);
    expect(again.json()).toMatchObject({ code: 'RULE_VIOLATED', rule: 'document-already-attached' });
    const download = await t.request({ method: 'GET', url: `/evidence/${sha256}`, key: auditor });
    expect(download.rawPayload.equals(roll)).toBe(true);
  });

  it('state, once closed, every position in order (the change included), the decision with its notes, the deferral; the hash is of their canonical JSON', async () => {
    await close();
    const minutes = await minutesJson();
    const { content } = minutes;
    expect(minutes.contentHash).toBe(createHash('sha256').update(canonicalize(content)!).digest('hex'));
    expect(minutes).toMatchObject({ status: 'awaiting-approval', awaiting: ['MA', 'QA'] });
    expect(content).toMatchObject({
      kind: 'accord-minutes',
      status: 'closed',
      venue: 'Doha, ministère de l’Intérieur',
      present: ['MA', 'QA'],
      absent: [],
      agreement: { title: MOROCCO_QATAR.title, parties: [{ code: 'MA' }, { code: 'QA' }] },
      agenda: [
        { number: 1, title: FRENCH_TITLE, domain: 'stadium security', kind: 'review' },
        { number: 2, title: ARABIC_TITLE, domain: 'cybercrime', kind: 'review' },
      ],
    });
    expect(content.openedAt < content.closedAt).toBe(true);
    expect(
      content.proceedings.map((p: Record<string, unknown>) => [
        p.type,
        p.item,
        p.party ?? null,
        p.position ?? p.outcome ?? null,
        p.replaces ?? null,
      ]),
    ).toEqual([
      ['position', 1, 'MA', 'reject', null],
      ['position', 1, 'MA', 'approve', 'reject'],
      ['position', 1, 'QA', 'approve', null],
      ['decision', 1, null, 'approve', null],
      ['position', 2, 'MA', 'approve', null],
      ['deferral', 2, null, null, null],
    ]);
    expect(content.proceedings[3].notes).toEqual([
      { party: 'MA', note: 'Budget précisé' },
      { party: 'QA', note: 'موافقة' },
    ]);
  });

  it.each([
    [
      'fr',
      [
        'Procès-verbal de la session du comité mixte',
        'Ordre du jour',
        FRENCH_TITLE,
        ARABIC_TITLE,
        'Déroulement',
        'position : rejeter',
        'change de position, de rejeter à approuver',
        'le comité décide : approuver',
        'point reporté à une session ultérieure',
        'Décisions',
        'Points reportés',
      ],
    ],
    [
      'en',
      [
        'Minutes of the session of the mixed committee',
        'Agenda',
        FRENCH_TITLE,
        ARABIC_TITLE,
        'Proceedings',
        'position: reject',
        'changes its position from reject to approve',
        'the committee decides: approve',
        'item deferred to a later session',
        'Decisions',
        'Deferred items',
      ],
    ],
    [
      'ar',
      [
        'محضر اجتماع اللجنة المختلطة',
        'جدول الأعمال',
        FRENCH_TITLE,
        ARABIC_TITLE,
        'سير الاجتماع',
        'الرفض',
        'موقفه من الرفض إلى الموافقة',
        'قررت اللجنة',
        'البند إلى اجتماع لاحق',
        'القرارات',
        'البنود المؤجلة',
      ],
    ],
  ])('in %s, as a PDF whose text has the titles and the proceedings in order, and as HTML', async (lang, inOrder) => {
    const pdf = await document(lang, 'pdf');
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const bytes = pdf.rawPayload;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(bytes);
    indicesInOrder(letters(text), [...inOrder, 'Signed attendance roll'].map(letters));
    const { contentHash } = await minutesJson();
    expect(text).toContain(contentHash);
    writeFileSync(join(dir, `minutes-${lang}.pdf`), bytes);
    // The pictures in the README: ACCORD_DOCS_IMAGES=1 npx jest test/minutes.e2e-spec.ts
    if (process.env.ACCORD_DOCS_IMAGES === '1' && lang !== 'en') {
      pdfPageToPng(bytes, join(__dirname, '..', 'docs', `minutes-${lang}`), 1, 70);
    }

    const html = await document(lang, 'html');
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain(`lang="${lang}"`);
    expect(html.body).toContain(lang === 'ar' ? 'dir="rtl"' : 'dir="ltr"');
    expect(html.body).toContain(contentHash);
    indicesInOrder(html.body, [inOrder[0], FRENCH_TITLE, ARABIC_TITLE]);
  });

  it('are adopted when both delegations approve their hash; a wrong hash, a second approval and another role are refused', async () => {
    const { contentHash } = await minutesJson();
    const wrong = await approve('0'.repeat(64), maDelegate);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'RULE_VIOLATED', rule: 'content-hash-current' });
    expect((await approve('not-a-hash', maDelegate)).statusCode).toBe(400);
    expect((await approve(contentHash, secretariat)).statusCode).toBe(403);
    expect((await approve(contentHash, maDelegate)).statusCode).toBe(200);
    const again = await approve(contentHash, maDelegate);
    expect(again.statusCode).toBe(422);
    expect(again.json()).toMatchObject({ rule: 'document-already-approved' });
    expect(await minutesJson()).toMatchObject({
      status: 'awaiting-approval',
      awaiting: ['QA'],
      approvals: [{ party: 'MA', contentHash }],
    });
    const adopted = await approve(contentHash, qaDelegate);
    expect(adopted.statusCode).toBe(200);
    expect(adopted.json().events).toEqual([
      { type: 'MinutesApproved', revision: expect.any(Number) },
      { type: 'MinutesAdopted', revision: expect.any(Number) },
    ]);
    const minutes = await minutesJson();
    expect(minutes).toMatchObject({ status: 'adopted', awaiting: [], adoptedAt: expect.any(String), contentHash });
    const events = await t.store.readStream(`session-${sessionId}`);
    expect(events.filter((e) => e.type === 'MinutesAdopted').map((e) => e.data)).toEqual([
      { sessionId, document: 0, contentHash, parties: ['MA', 'QA'] },
    ]);
  });

  it('are verified by accord minutes verify: the adopted PDF in each language matches, a changed one and unadopted minutes are refused', async () => {
    for (const lang of ['fr', 'en', 'ar']) {
      const verified = await accord([
        'minutes',
        'verify',
        join(dir, `minutes-${lang}.pdf`),
        '--store',
        t.storeUrl,
        '--json',
      ]);
      expect({ lang, code: verified.code, stderr: verified.stderr }).toEqual({ lang, code: 0, stderr: '' });
      expect(JSON.parse(verified.stdout)).toMatchObject({
        verdict: 'adopted',
        sessionId,
        document: 0,
        parties: ['MA', 'QA'],
      });
    }
    // The CLI writes the same file the API serves.
    const written = join(dir, 'cli-ar.pdf');
    const cli = await accord(['minutes', sessionId, '--lang', 'ar', '--out', written, '--store', t.storeUrl]);
    expect(cli.code).toBe(0);
    expect((await document('ar', 'pdf')).rawPayload.equals(require('node:fs').readFileSync(written))).toBe(true);

    // A changed page: one byte of a content stream; and a page appended by an incremental update.
    const original = require('node:fs').readFileSync(join(dir, 'minutes-fr.pdf')) as Buffer;
    const changed = Buffer.from(original);
    const stream = changed.indexOf('stream\n') + 40;
    changed[stream] = changed[stream] ^ 0x01;
    writeFileSync(join(dir, 'changed.pdf'), changed);
    const refused = await accord(['minutes', 'verify', join(dir, 'changed.pdf'), '--store', t.storeUrl, '--json']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toMatchObject({ verdict: 'changed', sessionId });
    writeFileSync(join(dir, 'appended.pdf'), Buffer.concat([original, Buffer.from('\n% a later edit\n')]));
    expect((await accord(['minutes', 'verify', join(dir, 'appended.pdf'), '--store', t.storeUrl])).code).toBe(3);

    // Minutes of another session, closed but not adopted.
    const other = await schedule();
    await t.post(`/sessions/${other}/open`, { attendance: ['MA', 'QA'] }, secretariat);
    await close(other);
    writeFileSync(join(dir, 'unadopted.pdf'), (await document('fr', 'pdf', other)).rawPayload);
    const unadopted = await accord(['minutes', 'verify', join(dir, 'unadopted.pdf'), '--store', t.storeUrl, '--json']);
    expect(unadopted.code).toBe(3);
    expect(JSON.parse(unadopted.stdout)).toMatchObject({ verdict: 'not-adopted' });

    writeFileSync(join(dir, 'junk.pdf'), 'not a pdf');
    const junk = await accord(['minutes', 'verify', join(dir, 'junk.pdf'), '--store', t.storeUrl, '--json']);
    expect(junk.code).toBe(3);
    expect(JSON.parse(junk.stdout)).toMatchObject({ verdict: 'not-minutes' });
  });

  it('are corrected by an addendum, adopted on its own: the adopted minutes, their hash and their PDF do not change', async () => {
    const before = await minutesJson();
    const pdfBefore = (await document('fr', 'pdf')).rawPayload;
    const text = 'Point 1 : la note du Maroc se lit « Budget précisé et voté ».';
    expect((await t.post(`/sessions/${sessionId}/minutes/addenda`, { text: '' }, secretariat)).statusCode).toBe(400);
    expect((await t.post(`/sessions/${sessionId}/minutes/addenda`, { text }, maDelegate)).statusCode).toBe(403);
    expect((await t.post(`/sessions/${sessionId}/minutes/addenda`, { text }, secretariat)).statusCode).toBe(200);
    const after = await minutesJson();
    expect(after.contentHash).toBe(before.contentHash);
    expect(after.content).toEqual(before.content);
    expect(after.status).toBe('adopted');
    expect((await document('fr', 'pdf')).rawPayload.equals(pdfBefore)).toBe(true);
    const [addendum] = after.addenda;
    expect(addendum).toMatchObject({
      document: 1,
      status: 'awaiting-approval',
      awaiting: ['MA', 'QA'],
      content: { kind: 'accord-minutes-addendum', corrects: before.contentHash, text },
    });
    expect(addendum.contentHash).toBe(createHash('sha256').update(canonicalize(addendum.content)!).digest('hex'));
    expect(addendum.contentHash).not.toBe(before.contentHash);
    // Approving the minutes' hash again does not approve the addendum.
    expect((await approve(before.contentHash, maDelegate)).json()).toMatchObject({ rule: 'document-already-adopted' });
    expect((await approve(addendum.contentHash, maDelegate)).statusCode).toBe(200);
    expect((await approve(addendum.contentHash, qaDelegate)).statusCode).toBe(200);
    expect((await minutesJson()).addenda[0]).toMatchObject({ status: 'adopted', awaiting: [] });

    const pdf = await t.request({
      method: 'GET',
      url: `/sessions/${sessionId}/minutes/addenda/1?format=pdf&lang=fr`,
      key: auditor,
    });
    expect(pdf.statusCode).toBe(200);
    expect(squeeze(pdfText(pdf.rawPayload))).toContain('la note du Maroc se lit');
    writeFileSync(join(dir, 'addendum.pdf'), pdf.rawPayload);
    const verified = await accord(['minutes', 'verify', join(dir, 'addendum.pdf'), '--store', t.storeUrl, '--json']);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verdict: 'adopted', document: 1 });
    expect(
      (await t.request({ method: 'GET', url: `/sessions/${sessionId}/minutes/addenda/2`, key: auditor })).statusCode,
    ).toBe(404);
  });

  it('are published with the results report in the open-data archive, whose PDFs verify and whose bytes are the same twice', async () => {
    const agreementId = ((await t.log()).find((e) => e.type === 'AgreementRegistered')!.data as { agreementId: string })
      .agreementId;
    const get = () => t.request({ method: 'GET', url: `/agreements/${agreementId}/open-data.zip`, key: auditor });
    const first = await get();
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(first.rawPayload));
    const names = Object.keys(files).sort();
    const langs = ['ar', 'en', 'fr'];
    expect(names).toEqual(
      [
        'README.md',
        'commitments.json',
        'datapackage.json',
        'report.csv',
        'report.json',
        `minutes/${sessionId}.json`,
        ...langs.flatMap((l) => [`minutes/${sessionId}.${l}.html`, `minutes/${sessionId}.${l}.pdf`]),
        ...langs.flatMap((l) => [
          `minutes/${sessionId}-addendum-1.${l}.html`,
          `minutes/${sessionId}-addendum-1.${l}.pdf`,
        ]),
      ].sort(),
    );
    const decode = (name: string) => new TextDecoder().decode(files[name]);
    const report = JSON.parse(decode('report.json'));
    expect(report).toMatchObject({ agreementId, generatedFrom: { position: expect.any(Number) } });
    const csv = decode('report.csv')
      .split('\r\n')
      .filter((line) => line !== '');
    expect(csv).toHaveLength(1 + report.commitments.length);
    const pkg = JSON.parse(decode('datapackage.json'));
    expect(pkg.resources[0].schema.fields.map((f: { name: string }) => f.name).join(',')).toBe(csv[0]);
    expect(JSON.parse(decode(`minutes/${sessionId}.json`))).toMatchObject({ status: 'adopted', sessionId });
    // The published PDF is the one the API serves, and verifies.
    const served = (await document('ar', 'pdf')).rawPayload;
    expect(Buffer.from(files[`minutes/${sessionId}.ar.pdf`]).equals(served)).toBe(true);
    writeFileSync(join(dir, 'published.pdf'), files[`minutes/${sessionId}-addendum-1.fr.pdf`]);
    const verified = await accord(['minutes', 'verify', join(dir, 'published.pdf'), '--store', t.storeUrl, '--json']);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verdict: 'adopted', document: 1 });
    const second = await get();
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(second.headers.etag).toBe(first.headers.etag);
    const unknown = await t.request({
      method: 'GET',
      url: '/agreements/0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11/open-data.zip',
      key: auditor,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('answer 404 for a session never scheduled and 400 for a bad language or format, storing nothing', async () => {
    const before = (await t.log()).length;
    const missing = await t.request({
      method: 'GET',
      url: '/sessions/0b6c3a52-3f6e-4d7b-9b7e-0c9f1f0e0a11/minutes',
      key: auditor,
    });
    expect(missing.statusCode).toBe(404);
    expect(
      (await t.request({ method: 'GET', url: `/sessions/${sessionId}/minutes?lang=de`, key: auditor })).statusCode,
    ).toBe(400);
    expect(
      (await t.request({ method: 'GET', url: `/sessions/${sessionId}/minutes?format=docx`, key: auditor })).statusCode,
    ).toBe(400);
    expect(
      (await t.request({ method: 'GET', url: `/sessions/${sessionId}/minutes/addenda/zero`, key: auditor })).statusCode,
    ).toBe(400);
    expect((await t.log()).length).toBe(before);
  });
});
