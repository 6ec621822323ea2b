import { chainEvents, GENESIS_HASH } from './event-hash';
import {
  cloudEventType,
  eventSchemaUri,
  isRfc3339Timestamp,
  parseCloudEventLine,
  toCloudEventLine,
} from './cloudevents-format';
import { ExportFormatError, type ExportedEvent } from './export-event';
import { parseExportLine, toNdjsonLine } from './export-format';
import { cloudEventViolations } from './testing/cloudevents-check';

const COMMITMENT = 'commitment-0193b5f2-7d3e-7c4a-9f00-5a1e2b3c4d5e';

/** An event as the API writes it: chained, with the command's metadata. */
function accordEvent(metadata: Record<string, unknown>, overrides: Partial<ExportedEvent> = {}): ExportedEvent {
  const [chained] = chainEvents(overrides.streamId ?? COMMITMENT, overrides.revision ?? 0, GENESIS_HASH, [
    {
      id: overrides.id ?? '0193b5f2-7d3e-7c4a-9f00-000000000001',
      type: overrides.type ?? 'CommitmentStarted',
      schemaVersion: overrides.schemaVersion ?? 1,
      data: overrides.data ?? { commitmentId: '0193b5f2-7d3e-7c4a-9f00-5a1e2b3c4d5e' },
      metadata,
    },
  ]);
  return {
    streamId: overrides.streamId ?? COMMITMENT,
    revision: overrides.revision ?? 0,
    position: overrides.position ?? 7,
    id: chained.id,
    type: chained.type,
    schemaVersion: chained.schemaVersion!,
    data: chained.data,
    metadata: chained.metadata!,
  };
}

const API_METADATA = {
  commandId: '5b8f0d4e-2c1a-5e6f-9a7b-3c2d1e0f9a8b',
  correlationId: 'corr-42',
  causationId: '5b8f0d4e-2c1a-5e6f-9a7b-3c2d1e0f9a8b',
  actor: { id: 'key-1', role: 'integration', party: 'MA' },
  occurredAt: '2030-01-10T09:00:00.123Z',
};
const hasSchema = () => true;

/** Written, read back, written again: the same event and the same bytes, and a valid CloudEvent. */
function roundTrip(event: ExportedEvent): { line: string; parsed: Record<string, unknown> } {
  const line = toCloudEventLine(event, { hasSchema });
  expect(cloudEventViolations(line)).toEqual([]);
  const back = parseExportLine(line, 1);
  expect(back.format).toBe('cloudevents');
  expect(back.event).toEqual(event);
  expect(toCloudEventLine(back.event, { hasSchema })).toBe(line);
  expect(toNdjsonLine(back.event)).toBe(toNdjsonLine(event));
  return { line, parsed: JSON.parse(line) as Record<string, unknown> };
}

describe('CloudEvents export lines', () => {
  it('writes an API event with flat attributes, in a fixed order', () => {
    const event = accordEvent(API_METADATA);
    const { line } = roundTrip(event);
    expect(line).toBe(
      `{"specversion":"1.0","id":"${event.id}","source":"/accord","type":"dev.accord.CommitmentStarted.v1"` +
        `,"subject":"${COMMITMENT}","time":"2030-01-10T09:00:00.123Z","datacontenttype":"application/json"` +
        `,"dataschema":"https://accord.dev/schemas/events/CommitmentStarted.v1.json","revision":0,"position":7` +
        `,"actorid":"key-1","actorparty":"MA","actorrole":"integration"` +
        `,"causationid":"${API_METADATA.causationId}","commandid":"${API_METADATA.commandId}","correlationid":"corr-42"` +
        `,"hash":"${event.metadata.hash as string}","prevhash":"${GENESIS_HASH}"` +
        `,"data":{"commitmentId":"0193b5f2-7d3e-7c4a-9f00-5a1e2b3c4d5e"}}`,
    );
  });

  it('names the type by reverse DNS with its schema version, and its schema only when one is published', () => {
    expect(cloudEventType('CommitmentProposed', 1)).toBe('dev.accord.CommitmentProposed.v1');
    expect(eventSchemaUri('CommitmentProposed', 1)).toBe(
      'https://accord.dev/schemas/events/CommitmentProposed.v1.json',
    );
    const event = accordEvent(API_METADATA, { type: 'Some.Odd.Type.v3', schemaVersion: 12 });
    const { parsed } = roundTrip(event);
    expect(parsed.type).toBe('dev.accord.Some.Odd.Type.v3.v12');
    const line = toCloudEventLine(event, { source: 'https://accord.example.org', hasSchema: () => false });
    expect(JSON.parse(line)).not.toHaveProperty('dataschema');
    expect(JSON.parse(line).source).toBe('https://accord.example.org');
    expect(JSON.parse(toCloudEventLine(event))).not.toHaveProperty('dataschema');
  });

  it('puts every other metadata member somewhere it comes back from, under its own key', () => {
    const odd = {
      // Lower-case names of 1 to 20 a-z0-9 with scalar values: attributes of their own.
      tenant: 'ministry',
      retried: true,
      attempt: 3,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      abcdefghij0123456789: 'twenty characters',
      // Everything else: metadatajson.
      abcdefghij01234567890: 'twenty-one characters',
      'x-trace': 'dash',
      Tenant: 'capital',
      nested: { a: [1, { b: null }] },
      list: ['a', 'b'],
      nothing: null,
      fraction: 0.5,
      big: 2 ** 31,
      small: -(2 ** 31) - 1,
      huge: 1e21,
      empty: '',
      newline: 'two\nlines',
      nel: 'next\u0085line',
      nonchar: 'x\ufffey',
      astral: 'x\u{10ffff}y \u{1f600}',
      time: 'taken by CloudEvents',
      data: 'taken too',
      subject: 'and this',
      schemaurl: 'the SDK refuses it on 1.0',
      datacontentencoding: '0.3',
      metadatajson: 'ours',
      correlationid: 'a lower-case twin of correlationId',
      actorid: 'a twin of actor.id',
      revision: 'ours too',
      ünïcode: 'not ASCII',
    };
    // And an own key named __proto__, as JSON.parse makes one.
    const metadata = { ...API_METADATA, ...odd, ...(JSON.parse('{"__proto__":"own"}') as object) };
    const event = accordEvent(metadata);
    const { parsed } = roundTrip(event);
    expect(parsed).toMatchObject({
      tenant: 'ministry',
      retried: true,
      attempt: 3,
      traceparent: odd.traceparent,
      abcdefghij0123456789: 'twenty characters',
      correlationid: 'corr-42',
      actorid: 'key-1',
      time: API_METADATA.occurredAt,
    });
    const rest = JSON.parse(parsed.metadatajson as string) as Record<string, unknown>;
    expect(Object.keys(rest).sort()).toEqual(
      [
        'abcdefghij01234567890',
        'x-trace',
        'Tenant',
        'nested',
        'list',
        'nothing',
        'fraction',
        'big',
        'small',
        'huge',
        'empty',
        'newline',
        'nel',
        'nonchar',
        'astral',
        'time',
        'data',
        'subject',
        'schemaurl',
        'datacontentencoding',
        'metadatajson',
        'correlationid',
        'actorid',
        'revision',
        'ünïcode',
        '__proto__',
      ].sort(),
    );
    // The JSON text escapes what a CloudEvents String may not hold, and still parses to the same values.
    expect(parsed.metadatajson).toContain('next\\u0085line');
    expect(parsed.metadatajson).toContain('x\\ufffey');
    expect(parsed.metadatajson).toContain('x\\udbff\\udfffy \u{1f600}');
    expect(rest.nel).toBe('next\u0085line');
    expect(rest.astral).toBe('x\u{10ffff}y \u{1f600}');
  });

  it('keeps an actor, an occurredAt or a named member that cannot be flat in metadatajson', () => {
    const cases: Record<string, unknown>[] = [
      { actor: { id: 'k', role: 'admin', extra: 'x' } },
      { actor: {} },
      { actor: 'a string' },
      { actor: ['k'] },
      { actor: { id: 'k', party: null } },
      { actor: { id: 'k', role: 'admin' } },
      { occurredAt: 'yesterday' },
      { occurredAt: '2027-02-30T00:00:00Z' },
      { occurredAt: '2027-01-01T24:00:00Z' },
      { occurredAt: 1_700_000_000_000 },
      { occurredAt: '2027-01-01t10:00:00+05:30' },
      { correlationId: { nested: true } },
      { correlationId: 12 },
      { causationId: null },
      {},
    ];
    for (const metadata of cases) {
      const { parsed } = roundTrip(accordEvent(metadata));
      expect(parsed).not.toHaveProperty('metadata');
    }
    expect(roundTrip(accordEvent({ actor: {} })).parsed.metadatajson).toBe('{"actor":{}}');
    expect(roundTrip(accordEvent({ actor: { id: 'k', role: 'admin' } })).parsed).toMatchObject({
      actorid: 'k',
      actorrole: 'admin',
    });
    expect(roundTrip(accordEvent({ occurredAt: '2027-01-01t10:00:00+05:30' })).parsed.time).toBe(
      '2027-01-01t10:00:00+05:30',
    );
    expect(roundTrip(accordEvent({ occurredAt: 'yesterday' })).parsed).not.toHaveProperty('time');
    expect(roundTrip(accordEvent({ correlationId: 12 })).parsed.correlationid).toBe(12);
  });

  it('writes revision and position as Integers, and as decimal strings past 2^31 - 1', () => {
    expect(roundTrip(accordEvent(API_METADATA, { position: 2 ** 31 - 1 })).parsed.position).toBe(2 ** 31 - 1);
    expect(roundTrip(accordEvent(API_METADATA, { position: 2 ** 31 })).parsed.position).toBe('2147483648');
    expect(roundTrip(accordEvent(API_METADATA, { revision: 2 ** 40, position: 2 ** 53 - 1 })).parsed).toMatchObject({
      revision: '1099511627776',
      position: '9007199254740991',
    });
  });

  it('refuses an event whose id, stream id or type cannot be a CloudEvents String', () => {
    expect(() => toCloudEventLine(accordEvent({}, { streamId: 'stream\nid' }))).toThrow(/stream id/);
    expect(() => toCloudEventLine(accordEvent({}, { id: 'id\u0000' }))).toThrow(/its id/);
    expect(() => toCloudEventLine(accordEvent({}, { type: 'Type\u007f' }))).toThrow(/type/);
  });

  it('checks RFC 3339 timestamps as CloudEvents time is', () => {
    for (const ok of ['2030-01-10T09:00:00Z', '2030-01-10T09:00:00.123456789+01:00', '2024-02-29T23:59:60Z']) {
      expect({ ok, valid: isRfc3339Timestamp(ok) }).toEqual({ ok, valid: true });
    }
    for (const bad of ['2030-01-10', '2030-01-10T09:00Z', '2025-02-29T00:00:00Z', '2030-13-01T00:00:00Z', '']) {
      expect({ bad, valid: isRfc3339Timestamp(bad) }).toEqual({ bad, valid: false });
    }
  });

  it('is checked by a check that refuses what CloudEvents refuses', () => {
    const line = toCloudEventLine(accordEvent(API_METADATA), { hasSchema });
    const base = JSON.parse(line) as Record<string, unknown>;
    const check = (change: Record<string, unknown>, without?: string) => {
      const value: Record<string, unknown> = { ...base, ...change };
      if (without) delete value[without];
      return cloudEventViolations(JSON.stringify(value));
    };
    expect(check({})).toEqual([]);
    for (const [change, without] of [
      [{ abcdefghij01234567890: 'x' }],
      [{ Upper: 'x' }],
      [{ ext: { an: 'object' } }],
      [{ ext: null }],
      [{ ext: 2 ** 31 }],
      [{ ext: 1.5 }],
      [{ ext: 'two\nlines' }],
      [{ ext: '' }],
      [{ time: 'yesterday' }],
      [{ dataschema: 'not a uri' }],
      [{ specversion: '2.0' }],
      [{}, 'source'],
      [{}, 'type'],
    ] as [Record<string, unknown>, string?][]) {
      expect({ change, without, refused: check(change, without).length > 0 }).toEqual({
        change,
        without,
        refused: true,
      });
    }
    expect(cloudEventViolations('{"specversion":')).toEqual([expect.stringMatching(/^not JSON/)]);
  });

  describe('reading a line back', () => {
    const line = toCloudEventLine(accordEvent(API_METADATA), { hasSchema });
    const base = JSON.parse(line) as Record<string, unknown>;
    const refused = (change: Record<string, unknown>, without: string[] = []) => {
      const value: Record<string, unknown> = { ...base, ...change };
      for (const key of without) delete value[key];
      try {
        parseCloudEventLine(value, 3);
      } catch (error) {
        expect(error).toBeInstanceOf(ExportFormatError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(change)} without ${without.join(', ')}`);
    };

    it('refuses what an accord export never writes', () => {
      expect(refused({ specversion: '0.3' })).toBe('line 3: specversion must be "1.0"');
      expect(refused({ type: 'CommitmentStarted' })).toMatch(/type must be "dev\.accord\.<type>\.v<schema version>"/);
      expect(refused({ type: 'dev.accord.CommitmentStarted.v0' })).toMatch(/^line 3: type/);
      expect(refused({ type: 'dev.accord.CommitmentStarted.v01' })).toMatch(/^line 3: type/);
      expect(refused({}, ['subject'])).toMatch(/subject must be the stream id/);
      expect(refused({}, ['id'])).toMatch(/id must be/);
      expect(refused({}, ['source'])).toMatch(/source must be/);
      expect(refused({}, ['data'])).toMatch(/data must be present/);
      expect(refused({}, ['revision'])).toMatch(/revision must be/);
      expect(refused({ position: 0 })).toMatch(/position must be/);
      expect(refused({ position: '07' })).toMatch(/position must be/);
      expect(refused({ revision: -1 })).toMatch(/revision must be/);
      expect(refused({ datacontenttype: 'text/plain' })).toMatch(/datacontenttype/);
      expect(refused({ data_base64: 'AA==' })).toMatch(/data_base64/);
      expect(refused({ time: 'yesterday' })).toMatch(/time must be an RFC 3339 timestamp/);
      expect(refused({ 'Not-A-Name': 1 })).toMatch(/Not-A-Name/);
      expect(refused({ extra: { an: 'object' } })).toMatch(/extra must be a string, an integer or a boolean/);
      expect(refused({ metadatajson: '[1]' })).toMatch(/metadatajson must be a JSON object/);
      expect(refused({ metadatajson: '{' })).toMatch(/metadatajson must be JSON/);
      expect(refused({ metadatajson: '{"correlationId":"twice"}' })).toMatch(/metadata.correlationId is given twice/);
      expect(refused({ metadatajson: '{"occurredAt":"twice"}' })).toMatch(/metadata.occurredAt is given twice/);
      expect(refused({ actor: 'a scalar actor besides actorid' })).toMatch(/metadata.actor is given twice/);
    });

    it('reads an Integer given as a decimal string, and a line without time or datacontenttype', () => {
      const event = parseCloudEventLine({ ...base, position: '7', revision: '0' }, 1);
      expect(event).toMatchObject({ position: 7, revision: 0 });
      const { time: _time, datacontenttype: _type, dataschema: _schema, ...bare } = base;
      expect(parseCloudEventLine(bare, 1).metadata).not.toHaveProperty('occurredAt');
    });

    it('tells a CloudEvents file from an ndjson one by specversion', () => {
      expect(parseExportLine(line, 1).format).toBe('cloudevents');
      expect(parseExportLine(toNdjsonLine(accordEvent(API_METADATA)), 1).format).toBe('ndjson');
    });
  });
});
