import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { BODY_SHAPE_LIMITS } from '../apps/api/src/http/body-shape';
import { decide } from './support/internal-commands';
import { MOROCCO_QATAR, startTestApp, TestApp } from './support/test-app';

/**
 * What the edge refuses before anything runs: bodies that are not JSON objects, shapes over
 * the limits, text no store can hold. On SQLite, and on PostgreSQL (scripts/test-e2e-postgres.js),
 * where a NUL that got through used to stop every read model.
 */
describe('the edge: JSON-only, bounded, storable bodies (real app)', () => {
  let t: TestApp;
  let secretariat: string;
  let ma: string;
  let agreementId: string;

  beforeAll(async () => {
    t = await startTestApp();
    secretariat = await t.createKey('secretariat');
    ma = await t.createKey('integration', 'MA');
    const registered = await t.post('/agreements', MOROCCO_QATAR, secretariat);
    expect(registered.statusCode).toBe(201);
    agreementId = registered.json().id;
  });
  afterAll(() => t.close());

  const proposal = (overrides: Record<string, unknown> = {}) => ({
    agreementId,
    title: 'Joint cybercrime investigation unit',
    description: 'A joint unit and a 24/7 contact point for cybercrime cases.',
    domain: 'cybercrime',
    leadAgencies: ['DGSN'],
    ...overrides,
  });

  async function propose(overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await t.post('/commitments', proposal(overrides), ma);
    expect(response.statusCode).toBe(201);
    return response.json().id;
  }

  /** A commitment that takes progress reports. */
  async function started(): Promise<string> {
    const id = await propose();
    await decide(t, id, 'PlaceOnAgenda', { sessionId: randomUUID(), itemId: randomUUID() });
    await decide(t, id, 'ApproveCommitment');
    expect((await t.post(`/commitments/${id}/start`, {}, ma)).statusCode).toBe(200);
    return id;
  }

  const raw = (url: string, payload: string, contentType?: string, key = ma) =>
    t.request({
      method: 'POST',
      url,
      key,
      headers: contentType ? { 'content-type': contentType } : {},
      payload,
    });

  /** The answer is the problem named, with a field entry when one is given, and nothing was appended. */
  async function expectRefused(
    send: () => Promise<LightMyRequestResponse>,
    status: number,
    code: string,
    field?: string,
  ): Promise<LightMyRequestResponse> {
    const before = (await t.log()).length;
    const response = await send();
    expect({ status: response.statusCode, body: response.json() }).toMatchObject({ status, body: { status, code } });
    expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
    if (field !== undefined) expect(response.json().errors).toEqual([{ field, messages: [expect.any(String)] }]);
    expect((await t.log()).length).toBe(before);
    return response;
  }

  describe('commands are JSON only', () => {
    it.each([
      ['application/x-www-form-urlencoded', 'reason=superseded'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\nsuperseded\r\n--x--',
      ],
      ['text/plain', '{"reason":"superseded"}'],
      ['application/xml', '<reason>superseded</reason>'],
      ['application/octet-stream', '{"reason":"superseded"}'],
      ['application/jsonp', '{"reason":"superseded"}'],
      [undefined, '{"reason":"superseded"}'],
    ])('answers a %s body with 415 and appends nothing', async (type, payload) => {
      const id = await propose();
      await expectRefused(() => raw(`/commitments/${id}/withdraw`, payload, type), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses a form on every command route, creations included', async () => {
      const id = await propose();
      const sessionId = (await t.post('/sessions', sessionBody(), secretariat)).json().id;
      for (const [url, key] of [
        ['/agreements', secretariat],
        [`/agreements/${agreementId}/domains`, secretariat],
        ['/commitments', ma],
        [`/commitments/${id}/revise`, ma],
        ['/sessions', secretariat],
        [`/sessions/${sessionId}/open`, secretariat],
      ]) {
        await expectRefused(
          () => raw(url, 'title=x&domains=cybercrime', 'application/x-www-form-urlencoded', key),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      }
    });

    it.each(['application/json; charset=utf-8', 'application/vnd.accord+json', 'Application/JSON'])(
      'takes %s',
      async (type) => {
        const id = await propose();
        const response = await raw(`/commitments/${id}/withdraw`, '{"reason":"superseded"}', type);
        expect(response.statusCode).toBe(200);
        expect((await t.store.readStream(`commitment-${id}`)).map((e) => e.type)).toEqual([
          'CommitmentProposed',
          'CommitmentWithdrawn',
        ]);
      },
    );

    it.each(['null', '[]', '[{"title":"x"}]', '"x"', '3', 'true'])(
      'answers a JSON body that is not an object (%s) with 400 naming the body',
      async (payload) => {
        await expectRefused(() => raw('/commitments', payload, 'application/json'), 400, 'VALIDATION_FAILED', 'body');
        // Before the handler: an unknown commitment would be 404.
        await expectRefused(
          () => raw(`/commitments/${randomUUID()}/start`, payload, 'application/json'),
          400,
          'VALIDATION_FAILED',
          'body',
        );
      },
    );
  });

  const sessionBody = () => ({ agreementId, scheduledFor: '2030-03-10T09:30:00Z', venue: 'Doha' });

  describe('bounded shapes, refused before validation', () => {
    const { maxDepth, maxArrayLength, maxKeys, maxValues } = BODY_SHAPE_LIMITS;

    it('answers 250,000 empty evidence entries with 400 at once, not after seconds of validation', async () => {
      const id = await started();
      const payload = `{"percent":10,"narrative":"n","evidence":[${Array(250_000).fill('{}').join(',')}]}`;
      expect(payload.length).toBeGreaterThan(700_000);
      const startedAt = performance.now();
      const response = await expectRefused(
        () => raw(`/commitments/${id}/progress`, payload, 'application/json'),
        400,
        'VALIDATION_FAILED',
        'evidence',
      );
      // It took 7 to 14 s of the event loop in class-validator; the shape check stops at entry 101.
      expect(performance.now() - startedAt).toBeLessThan(1000);
      expect(response.json().errors[0].messages[0]).toBe(`evidence has more than ${maxArrayLength} entries`);
    });

    it('answers bodies nested 5,000 deep with 400, not 500', async () => {
      const id = await started();
      const deepArray = `{"percent":10,"narrative":"n","evidence":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const deepObject = `{"percent":10,"narrative":"n","evidence":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
      for (const payload of [deepArray, deepObject]) {
        const response = await expectRefused(
          () => raw(`/commitments/${id}/progress`, payload, 'application/json'),
          400,
          'VALIDATION_FAILED',
        );
        expect(response.json().errors[0].messages[0]).toMatch(`nested more than ${maxDepth} levels deep`);
      }
    });

    it('refuses one entry, key, level or value over each limit, and lets the limit itself reach validation', async () => {
      const over = [
        { evidence: Array(maxArrayLength + 1).fill({}) },
        { extra: Object.fromEntries(Array.from({ length: maxKeys + 1 }, (_, i) => [`k${i}`, i])) },
        { extra: JSON.parse('['.repeat(maxDepth) + ']'.repeat(maxDepth)) },
        { extra: Array.from({ length: 70 }, () => Array(90).fill(0)) },
      ];
      const messages = [
        `evidence has more than ${maxArrayLength} entries`,
        `extra has more than ${maxKeys} keys`,
        `nested more than ${maxDepth} levels deep`,
        `the body holds more than ${maxValues} values`,
      ];
      const id = await started();
      for (const [i, extra] of over.entries()) {
        const response = await expectRefused(
          () => t.post(`/commitments/${id}/progress`, { percent: 10, narrative: 'n', ...extra }, ma),
          400,
          'VALIDATION_FAILED',
        );
        expect(response.json().errors[0].messages[0]).toContain(messages[i]);
      }
      // At the limits the body reaches the validation pipe, which names its own fields.
      const atLimits = await t.post(
        `/commitments/${id}/progress`,
        { percent: 10, narrative: 'n', evidence: Array(maxArrayLength).fill({ title: 't', uri: 'https://e.org/a' }) },
        ma,
      );
      expect(atLimits.statusCode).toBe(400);
      expect(atLimits.json().errors).toEqual([
        { field: 'evidence', messages: ['evidence must contain no more than 50 elements'] },
      ]);
    });

    it('counts every field that failed and lists the first 100, so that a large bad body gets a small answer', async () => {
      const id = await started();
      const evidence = Array.from({ length: 40 }, () => ({
        title: 't',
        uri: 'https://e.org/a',
        ...Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`unknown${k}`, k])),
      }));
      const response = await expectRefused(
        () => t.post(`/commitments/${id}/progress`, { percent: 10, narrative: 'n', evidence }, ma),
        400,
        'VALIDATION_FAILED',
      );
      expect(response.json().detail).toBe('400 fields failed validation; the first 100 are listed');
      expect(response.json().errors).toHaveLength(100);
      expect(response.json().errors[0]).toEqual({
        field: 'evidence.0.unknown0',
        messages: ['property unknown0 should not exist'],
      });
    });

    it('takes the largest agreement its DTO allows: 50 parties of 100 agencies and 100 domains', async () => {
      const parties = Array.from({ length: 50 }, (_, p) => ({
        code: `P${String.fromCharCode(65 + Math.floor(p / 26), 65 + (p % 26))}`,
        name: `Party ${p}`,
        agencies: Array.from({ length: 100 }, (_, a) => `Agency ${a}`),
      }));
      const domains = Array.from({ length: 100 }, (_, d) => `domain ${d}`);
      const response = await t.post('/agreements', { ...MOROCCO_QATAR, parties, domains }, secretariat);
      expect(response.statusCode).toBe(201);
      const [event] = await t.store.readStream(`agreement-${response.json().id}`);
      expect(event.data).toMatchObject({ domains, parties });
    });

    it('never answers 5xx to a hostile body', async () => {
      const id = await started();
      const bodies = [
        '{"__proto__":{"admin":true},"percent":10,"narrative":"n"}',
        '{"constructor":{"prototype":{"x":1}},"percent":10,"narrative":"n"}',
        '{"percent":1e999,"narrative":"n"}',
        `{"percent":10,"narrative":"${'\\\\'.repeat(100_000)}"}`,
        `{"percent":10,"narrative":"n","evidence":[${Array(100).fill('[[[[[[[[[[]]]]]]]]]]').join(',')}]}`,
        `{"percent":10,"narrative":"n"${',"k":1'.repeat(150)}}`,
        '{"percent":10,"narrative":"n","evidence":[{"title":"t","uri":"https://e.org","x":{"y":[{"z":[]}]}}]}',
        '{"percent":10,"narrative":"n"',
        '{"percent":10,"narrative":"\\u0000"}',
        '[' + '1,'.repeat(5000) + '1]',
        '{"a":"' + '['.repeat(10_000) + '"}',
      ];
      for (const payload of bodies) {
        const before = (await t.log()).length;
        const response = await raw(`/commitments/${id}/progress`, payload, 'application/json');
        expect({ payload: payload.slice(0, 60), status: response.statusCode }).toEqual({
          payload: payload.slice(0, 60),
          status: 400,
        });
        expect(response.json().code).toBe('VALIDATION_FAILED');
        expect((await t.log()).length).toBe(before);
      }
    });
  });

  describe('text no store can hold', () => {
    const NUL = '\u0000';

    it.each([
      ['a NUL in a proposal title', () => t.post('/commitments', proposal({ title: `a${NUL}b` }), ma), 'title'],
      [
        'a NUL in a proposal description',
        () => t.post('/commitments', proposal({ description: NUL }), ma),
        'description',
      ],
      [
        'a NUL in a lead agency',
        () => t.post('/commitments', proposal({ leadAgencies: ['DGSN', `D${NUL}`] }), ma),
        'leadAgencies.1',
      ],
      [
        "a NUL in a party's name",
        () =>
          t.post(
            '/agreements',
            { ...MOROCCO_QATAR, parties: [MOROCCO_QATAR.parties[0], { ...MOROCCO_QATAR.parties[1], name: `Q${NUL}` }] },
            secretariat,
          ),
        'parties.1.name',
      ],
      ['a NUL in a venue', () => t.post('/sessions', { ...sessionBody(), venue: `Doha${NUL}` }, secretariat), 'venue'],
      ['a NUL in a key', () => t.post('/commitments', { ...proposal(), [`ti${NUL}tle`]: 'x' }, ma), 'ti\\u0000tle'],
      ['a lone high surrogate in a title', () => t.post('/commitments', proposal({ title: 'x\uD800' }), ma), 'title'],
      [
        'a lone low surrogate in a description',
        () => t.post('/commitments', proposal({ description: '\uDFFFx' }), ma),
        'description',
      ],
    ])('refuses %s with 400 naming the field', async (_name, send, field) => {
      const response = await expectRefused(send, 400, 'VALIDATION_FAILED', field);
      expect(response.body).not.toContain(NUL);
    });

    it('refuses it in progress narratives and evidence, on every command', async () => {
      const id = await started();
      await expectRefused(
        () => t.post(`/commitments/${id}/progress`, { percent: 10, narrative: `n${NUL}` }, ma),
        400,
        'VALIDATION_FAILED',
        'narrative',
      );
      await expectRefused(
        () =>
          t.post(
            `/commitments/${id}/progress`,
            { percent: 10, narrative: 'n', evidence: [{ title: `t${NUL}`, uri: 'https://e.org/a' }] },
            ma,
          ),
        400,
        'VALIDATION_FAILED',
        'evidence.0.title',
      );
      await expectRefused(
        () => t.post(`/commitments/${id}/complete`, { summary: `done${NUL}` }, ma),
        400,
        'VALIDATION_FAILED',
        'summary',
      );
    });

    it('keeps every read model going: after a refused NUL, ?after= reads the next write', async () => {
      const id = await started();
      await expectRefused(
        () => t.post(`/commitments/${id}/progress`, { percent: 20, narrative: `half${NUL}way` }, ma),
        400,
        'VALIDATION_FAILED',
        'narrative',
      );
      const ok = await t.post(`/commitments/${id}/progress`, { percent: 30, narrative: 'Doha 🏟️, naïve 中文' }, ma);
      expect(ok.statusCode).toBe(200);
      const read = await t.request({ method: 'GET', url: `/commitments/${id}?after=${ok.json().position}`, key: ma });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id, progress: 30 });
      const history = await t.request({
        method: 'GET',
        url: `/commitments/${id}/history?after=${ok.json().position}`,
        key: ma,
      });
      expect(history.statusCode).toBe(200);
      expect(JSON.stringify(history.json())).toContain('Doha 🏟️, naïve 中文');
    });
  });
});
