import { randomUUID } from 'node:crypto';
import { Workers } from '../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './support/test-app';

/** A content line of an iCalendar object: name, parameters and the value, unescaped for TEXT. */
interface ContentLine {
  name: string;
  params: Record<string, string>;
  value: string;
}

/**
 * RFC 5545 read back: every line ends with CRLF and is at most 75 octets; folded lines
 * (CRLF then a space or tab) are unfolded; components are BEGIN…END blocks.
 */
function parseICalendar(text: string): { calendar: ContentLine[]; events: ContentLine[][] } {
  expect(text.endsWith('\r\n')).toBe(true);
  const physical = text.slice(0, -2).split('\r\n');
  for (const line of physical) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
  }
  const unfolded: string[] = [];
  for (const line of physical) {
    if (line.startsWith(' ') || line.startsWith('\t')) unfolded[unfolded.length - 1] += line.slice(1);
    else unfolded.push(line);
  }
  const parse = (line: string): ContentLine => {
    const colon = line.indexOf(':');
    const [name, ...params] = line.slice(0, colon).split(';');
    return {
      name,
      params: Object.fromEntries(params.map((p) => p.split('=') as [string, string])),
      value: line.slice(colon + 1),
    };
  };
  const lines = unfolded.map(parse);
  expect(lines[0]).toMatchObject({ name: 'BEGIN', value: 'VCALENDAR' });
  expect(lines.at(-1)).toMatchObject({ name: 'END', value: 'VCALENDAR' });
  const calendar: ContentLine[] = [];
  const events: ContentLine[][] = [];
  let current: ContentLine[] | null = null;
  for (const line of lines.slice(1, -1)) {
    if (line.name === 'BEGIN' && line.value === 'VEVENT') current = [];
    else if (line.name === 'END' && line.value === 'VEVENT') {
      events.push(current!);
      current = null;
    } else if (current) current.push(line);
    else calendar.push(line);
  }
  expect(current).toBeNull();
  return { calendar, events };
}

/** TEXT values (RFC 5545 §3.3.11): \\n is a line break, \\, \\; and \\\\ are the characters. */
const unescapeText = (value: string) =>
  value.replace(/\\([nN,;\\])/g, (_, c: string) => (c.toLowerCase() === 'n' ? '\n' : c));

const property = (event: ContentLine[], name: string) => event.filter((l) => l.name === name);

describe('agreement reads (real app)', () => {
  let t: TestApp;
  let workers: Workers;
  let secretariat: string;
  let ma: string;
  let maDelegate: string;
  let qaDelegate: string;
  let reader: string;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp();
    workers = t.app.get(Workers);
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    maDelegate = await t.createKey('delegate', 'MA');
    qaDelegate = await t.createKey('delegate', 'QA');
    reader = await t.createKey('delegate', 'QA');
    auditor = await t.createKey('auditor');
  });
  afterAll(() => t.close());

  const get = (url: string, key = reader, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, key, headers });

  async function ok(url: string, body: unknown, key: string, status = 200) {
    const response = await t.post(url, body, key);
    if (response.statusCode !== status) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const json = response.json();
    expect(await workers.processManager.waitFor(json.position)).toBe(true);
    return json as { id: string; revision: number; position: number; itemId?: string };
  }

  describe('GET /agreements and /agreements/{id}', () => {
    const registered: { id: string; body: typeof MOROCCO_QATAR }[] = [];
    let head = 0;

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        const body = { ...MOROCCO_QATAR, title: `Agreement ${i}`, signedAt: `201${i}-03-12` };
        const answer = await ok('/agreements', body, secretariat, 201);
        registered.push({ id: answer.id, body });
        head = answer.position;
      }
    });

    it('serves an agreement as registered, with its ETag, and 304 when If-None-Match names it', async () => {
      const [{ id, body }] = registered;
      const response = await get(`/agreements/${id}?after=${head}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe('"0"');
      const event = (await t.store.readStream(`agreement-${id}`))[0];
      expect(response.json()).toEqual({
        id,
        title: body.title,
        signedAt: body.signedAt,
        signedIn: 'Rabat',
        parties: MOROCCO_QATAR.parties,
        domains: MOROCCO_QATAR.domains,
        revision: 0,
        position: event.position,
      });

      const amended = await ok(
        `/agreements/${id}/domains`,
        { domains: ['cybercrime', 'maritime security'] },
        secretariat,
      );
      const after = await get(`/agreements/${id}?after=${amended.position}`);
      expect(after.headers.etag).toBe('"1"');
      expect(after.json()).toMatchObject({ domains: ['cybercrime', 'maritime security'], revision: 1 });
      expect(after.json().position).toBe(amended.position);
      for (const tag of ['"1"', 'W/"1"', '"0", "1"', '*']) {
        const unchanged = await get(`/agreements/${id}`, reader, { 'if-none-match': tag });
        expect({ tag, status: unchanged.statusCode, body: unchanged.body }).toEqual({ tag, status: 304, body: '' });
        expect(unchanged.headers.etag).toBe('"1"');
      }
      expect((await get(`/agreements/${id}`, reader, { 'if-none-match': '"0"' })).statusCode).toBe(200);
    });

    it('answers 404 for an unknown agreement and 400 for an id that is no UUID', async () => {
      const unknown = await get(`/agreements/${randomUUID()}`);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('NOT_FOUND');
      expect((await get('/agreements/ma-qa-2014')).json().code).toBe('VALIDATION_FAILED');
    });

    it('lists every agreement in id order, page by page, each as GET /agreements/{id} answers it', async () => {
      const expected = registered.map((r) => r.id).sort();
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/agreements?limit=2&after=${head}${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await get(url);
        expect(response.statusCode).toBe(200);
        const page = response.json() as { items: { id: string }[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((a) => a.id)).toEqual(expected);
      for (const agreement of seen) expect(agreement).toEqual((await get(`/agreements/${agreement.id}`)).json());
      const whole = (await get('/agreements')).json();
      expect(whole).toEqual({ items: seen, nextCursor: null });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=garbage', 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify({ k: [1], f: 'x' })).toString('base64url')}`, 'cursor'],
      ['title=x', 'title'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const response = await get(`/agreements?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it("refuses another list's cursor", async () => {
      await t.post(
        '/sessions',
        { agreementId: registered[0].id, scheduledFor: '2030-01-01T09:00:00Z', venue: 'Rabat' },
        secretariat,
      );
      const second = await t.post(
        '/sessions',
        { agreementId: registered[0].id, scheduledFor: '2030-02-01T09:00:00Z', venue: 'Rabat' },
        secretariat,
      );
      const cursor = (await get(`/sessions?limit=1&after=${second.json().position}`)).json().nextCursor;
      expect(cursor).toEqual(expect.any(String));
      const refused = await get(`/agreements?cursor=${cursor}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors).toEqual([{ field: 'cursor', messages: [expect.any(String)] }]);
    });
  });

  describe('GET /agreements/{id}/sessions.ics', () => {
    let agreementId: string;
    let otherAgreement: string;
    const sessions: { id: string; scheduledFor: string; venue: string }[] = [];
    let decidedItem: { title: string } = { title: '' };
    let head = 0;

    beforeAll(async () => {
      agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat, 201)).id;
      otherAgreement = (await ok('/agreements', { ...MOROCCO_QATAR, title: 'Other' }, secretariat, 201)).id;
      await ok(
        '/sessions',
        { agreementId: otherAgreement, scheduledFor: '2030-01-01T09:00:00Z', venue: 'Paris' },
        secretariat,
        201,
      );
      const venues = [
        'Doha, Ministry of Interior; Room 4',
        'Rabat, Ministère de l’Intérieur, salle des délégations du Royaume du Maroc — bâtiment principal',
        'Marrakech',
      ];
      const instants = ['2030-06-01T07:30:00Z', '2030-03-10T09:30:00.250Z', '2030-09-15T14:00:00Z'];
      for (const [i, venue] of venues.entries()) {
        const id = (await ok('/sessions', { agreementId, scheduledFor: instants[i], venue }, secretariat, 201)).id;
        sessions.push({ id, scheduledFor: instants[i], venue });
      }
      // The second session runs: one item decided, and it closes.
      const title = 'Joint cybercrime investigation unit, with a 24/7 contact point for urgent requests';
      const commitmentId = (
        await ok(
          '/commitments',
          { agreementId, title, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
          ma,
          201,
        )
      ).id;
      const run = sessions[1].id;
      const itemId = (await ok(`/sessions/${run}/agenda`, { commitmentId, kind: 'review' }, secretariat)).itemId;
      await ok(`/sessions/${run}/open`, { attendance: ['MA', 'QA'] }, secretariat);
      await ok(`/sessions/${run}/positions`, { itemId, position: 'approve' }, maDelegate);
      await ok(`/sessions/${run}/positions`, { itemId, position: 'approve' }, qaDelegate);
      const closed = await ok(`/sessions/${run}/close`, {}, secretariat);
      head = closed.position;
      decidedItem = { title };
    });

    const basic = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

    it('serves one VEVENT per session of the agreement, with its instant, venue, status and agenda', async () => {
      const response = await get(`/agreements/${agreementId}/sessions.ics?after=${head}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
      const { calendar, events } = parseICalendar(response.body);
      expect(calendar).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'VERSION', value: '2.0' }),
          expect.objectContaining({ name: 'PRODID', value: expect.stringContaining('accord') }),
          expect.objectContaining({ name: 'X-WR-CALNAME', value: `${MOROCCO_QATAR.title}: committee sessions` }),
        ]),
      );
      // In scheduled order; the other agreement's session is not there.
      const order = [sessions[1], sessions[0], sessions[2]];
      expect(events.map((e) => property(e, 'UID')[0].value)).toEqual(order.map((s) => `${s.id}@accord`));
      for (const [i, event] of events.entries()) {
        const session = order[i];
        const view = (await get(`/sessions/${session.id}?after=${head}`)).json();
        const stored = await t.store.readStream(`session-${session.id}`);
        for (const name of ['UID', 'DTSTAMP', 'DTSTART', 'SUMMARY', 'LOCATION', 'STATUS', 'SEQUENCE']) {
          expect({ name, count: property(event, name).length }).toEqual({ name, count: 1 });
        }
        expect(property(event, 'DTEND')).toEqual([]);
        expect(property(event, 'DTSTART')[0]).toEqual({
          name: 'DTSTART',
          params: {},
          value: basic(session.scheduledFor),
        });
        expect(unescapeText(property(event, 'LOCATION')[0].value)).toBe(session.venue);
        expect(property(event, 'STATUS')[0].value).toBe('CONFIRMED');
        expect(property(event, 'SEQUENCE')[0].value).toBe(String(view.revision));
        expect(property(event, 'DTSTAMP')[0].value).toBe(basic(stored.at(-1)!.recordedAt));
        const summary = unescapeText(property(event, 'SUMMARY')[0].value);
        const description = unescapeText(property(event, 'DESCRIPTION')[0].value);
        expect(description).toContain(`Session status: ${view.status}`);
        expect(description).toContain('Parties: MA, QA');
        if (session === sessions[1]) {
          expect(summary).toBe('Mixed committee session (closed)');
          expect(description).toContain(`1. review: ${decidedItem.title} (decided: approve)`);
        } else {
          expect(summary).toBe('Mixed committee session');
          expect(description).toContain('No agenda items yet.');
        }
      }
      // The same sessions give the same feed.
      expect((await get(`/agreements/${agreementId}/sessions.ics`)).body).toBe(response.body);
    });

    it('has an empty calendar for an agreement without sessions, and 404 for an unknown agreement', async () => {
      const bare = await ok('/agreements', { ...MOROCCO_QATAR, title: 'Bare' }, secretariat, 201);
      const empty = await get(`/agreements/${bare.id}/sessions.ics?after=${bare.position}`);
      expect(empty.statusCode).toBe(200);
      expect(parseICalendar(empty.body).events).toEqual([]);
      const unknown = await get(`/agreements/${randomUUID()}/sessions.ics`);
      expect(unknown.statusCode).toBe(404);
      expect(String(unknown.headers['content-type'])).toMatch(/^application\/problem\+json/);
    });

    it('is read by every role that reads, with a key in the Authorization header only', async () => {
      for (const key of [secretariat, ma, maDelegate, auditor, ADMIN_KEY]) {
        expect((await get(`/agreements/${agreementId}/sessions.ics`, key)).statusCode).toBe(200);
      }
      const anonymous = await t.request({ method: 'GET', url: `/agreements/${agreementId}/sessions.ics` });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="accord"');
      const inUrl = await t.request({ method: 'GET', url: `/agreements/${agreementId}/sessions.ics?key=${reader}` });
      expect(inUrl.statusCode).toBe(401);
    });
  });

  describe('GET /agreements/{id}/dashboard', () => {
    it('answers the dashboard of the read models, and with ?asOf the replayed one with asOf', async () => {
      const agreementId = (await ok('/agreements', MOROCCO_QATAR, secretariat, 201)).id;
      const proposed = await ok(
        '/commitments',
        { agreementId, title: 'Liaison officers', description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
        ma,
        201,
      );
      const live = await get(`/agreements/${agreementId}/dashboard?after=${proposed.position}`);
      expect(live.statusCode).toBe(200);
      expect(live.json()).toEqual({
        agreementId,
        position: expect.any(Number),
        counts: [{ status: 'proposed', domain: 'cybercrime', party: 'MA', count: 1 }],
        overdue: [],
        awaitingPositions: {},
      });
      const asOf = new Date(Date.now() + 60_000).toISOString();
      const replayed = await get(`/agreements/${agreementId}/dashboard?asOf=${asOf}`);
      expect(replayed.json()).toEqual({ ...live.json(), position: expect.any(Number), asOf });
      expect((await get(`/agreements/${randomUUID()}/dashboard`)).statusCode).toBe(404);
    });
  });
});
