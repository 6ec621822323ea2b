import { ConfigError, parseRateLimit, readApiConfig, readObservability } from './api-config';

describe('ACCORD_RATE_LIMIT', () => {
  it('is off unless set', () => {
    expect(readApiConfig({}).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: '' }).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: 'off' }).rateLimit).toBeUndefined();
    expect(readApiConfig({ ACCORD_RATE_LIMIT: ' OFF ' }).rateLimit).toBeUndefined();
  });

  it('reads requests per second, minute or hour, and a bare number per minute', () => {
    expect(readApiConfig({ ACCORD_RATE_LIMIT: '120/min' }).rateLimit).toEqual({
      max: 120,
      windowMs: 60_000,
      per: 'minute',
    });
    expect(parseRateLimit('120')).toEqual({ max: 120, windowMs: 60_000, per: 'minute' });
    expect(parseRateLimit('10/s')).toEqual({ max: 10, windowMs: 1_000, per: 'second' });
    expect(parseRateLimit('10/second')).toEqual({ max: 10, windowMs: 1_000, per: 'second' });
    expect(parseRateLimit('5000/h')).toEqual({ max: 5000, windowMs: 3_600_000, per: 'hour' });
    expect(parseRateLimit(' 60 / Minute ')).toEqual({ max: 60, windowMs: 60_000, per: 'minute' });
    expect(parseRateLimit('1/hour')).toEqual({ max: 1, windowMs: 3_600_000, per: 'hour' });
    expect(parseRateLimit('1000000/s')).toEqual({ max: 1_000_000, windowMs: 1_000, per: 'second' });
  });

  it.each([
    ['lots'],
    ['0/min'],
    ['-5/min'],
    ['1.5/min'],
    ['120/day'],
    ['120/'],
    ['/min'],
    ['120 per minute'],
    ['1000001/s'],
    ['120/min,10/s'],
  ])('refuses %p at start, saying what it takes', (value) => {
    expect(() => readApiConfig({ ACCORD_RATE_LIMIT: value })).toThrow(ConfigError);
    expect(() => readApiConfig({ ACCORD_RATE_LIMIT: value })).toThrow(
      `ACCORD_RATE_LIMIT must be off or requests per second, minute or hour from 1 to 1000000, such as 120/min, 10/s or 5000/h (a bare 120 is per minute); not "${value}"`,
    );
  });
});

describe('ACCORD_METRICS_TOKEN, ACCORD_METRICS_PORT, OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('are off unless set', () => {
    expect(readApiConfig({}).observability).toBeUndefined();
    expect(readObservability({ ACCORD_METRICS_TOKEN: '', ACCORD_METRICS_PORT: '' })).toBeUndefined();
  });

  it('read a token, a port, an endpoint and a service name', () => {
    expect(readApiConfig({ ACCORD_METRICS_TOKEN: 'metrics-token-0123456789' }).observability).toEqual({
      metricsToken: 'metrics-token-0123456789',
    });
    expect(readObservability({ ACCORD_METRICS_PORT: '9464' })).toEqual({ metricsPort: 9464 });
    expect(readObservability({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      otlpEndpoint: 'http://collector:4318',
      serviceName: 'accord',
    });
    expect(
      readObservability({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318', OTEL_SERVICE_NAME: 'accord-eu' }),
    ).toMatchObject({ serviceName: 'accord-eu' });
  });

  it.each([
    [{ ACCORD_METRICS_TOKEN: 'short' }, 'ACCORD_METRICS_TOKEN must be at least 16 visible ASCII characters'],
    [{ ACCORD_METRICS_TOKEN: 'has a space in it, sixteen' }, 'ACCORD_METRICS_TOKEN must be at least 16'],
    [{ ACCORD_METRICS_PORT: '0' }, 'ACCORD_METRICS_PORT must be a port number (1-65535), not "0"'],
    [{ ACCORD_METRICS_PORT: '70000' }, 'ACCORD_METRICS_PORT must be a port number'],
    [{ ACCORD_METRICS_PORT: 'metrics' }, 'ACCORD_METRICS_PORT must be a port number'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL'],
  ])('refuses %p at start, saying what it takes', (env, message) => {
    expect(() => readApiConfig(env)).toThrow(ConfigError);
    expect(() => readApiConfig(env)).toThrow(message);
  });
});

describe('webhook settings', () => {
  it('defaults to public targets, 1 s to 5 min back-off, 10 s timeout, 10 attempts', () => {
    expect(readApiConfig({}).webhooks).toEqual({
      allowPrivate: false,
      retryBaseMs: 1_000,
      retryCapMs: 300_000,
      timeoutMs: 10_000,
      maxAttempts: 10,
      leaseMs: 15_000,
    });
    expect(readApiConfig({ ACCORD_WEBHOOK_ALLOW_PRIVATE: '1' }).webhooks?.allowPrivate).toBe(true);
  });

  it.each([
    { ACCORD_WEBHOOK_ALLOW_PRIVATE: 'yes please' },
    { ACCORD_WEBHOOK_RETRY_BASE_MS: '0' },
    { ACCORD_WEBHOOK_RETRY_BASE_MS: '2000', ACCORD_WEBHOOK_RETRY_CAP_MS: '1000' },
    { ACCORD_WEBHOOK_TIMEOUT_MS: '1.5' },
    { ACCORD_WEBHOOK_MAX_ATTEMPTS: '0' },
    { ACCORD_WEBHOOK_LEASE_MS: '10' },
  ])('refuses %p', (env) => expect(() => readApiConfig(env)).toThrow(ConfigError));
});
