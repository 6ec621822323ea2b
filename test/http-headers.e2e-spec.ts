import { gunzipSync } from 'node:zlib';
import { ConfigError, readApiConfig } from '../apps/api/src/infrastructure/api-config';
import { startTestApp, type TestApp } from './support/test-app';

/** Compression and CORS (issue 15, point 4): on the real application, through its HTTP layer. */
describe('compression and CORS', () => {
  describe('by default', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('compresses an answer for a client that accepts gzip, and only then', async () => {
      const zipped = await t.request({ method: 'GET', url: '/docs-json', headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.statusCode).toBe(200);
      expect(zipped.headers['content-encoding']).toBe('gzip');
      const plain = await t.request({ method: 'GET', url: '/docs-json' });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
      // brotli is not offered: it costs more CPU than a JSON answer is worth.
      const br = await t.request({ method: 'GET', url: '/docs-json', headers: { 'accept-encoding': 'br' } });
      expect(br.headers['content-encoding']).toBeUndefined();
    });

    it('sends no CORS headers: no browser origin is allowed unless one is listed', async () => {
      const origin = 'https://console.example.org';
      const preflight = await t.request({
        method: 'OPTIONS',
        url: '/commitments',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const read = await t.request({ method: 'GET', url: '/health', headers: { origin } });
      expect(read.statusCode).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('with ACCORD_CORS_ORIGINS', () => {
    let t: TestApp;
    const listed = 'https://console.example.org';
    beforeAll(async () => {
      t = await startTestApp({ corsOrigins: [listed] });
    });
    afterAll(() => t.close());

    it('answers a preflight from a listed origin, exposing the headers clients read', async () => {
      const preflight = await t.request({
        method: 'OPTIONS',
        url: '/commitments',
        headers: { origin: listed, 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(listed);
      const read = await t.request({ method: 'GET', url: '/health', headers: { origin: listed } });
      expect(read.headers['access-control-allow-origin']).toBe(listed);
      expect(String(read.headers['access-control-expose-headers'])).toContain('ETag');
      expect(String(read.headers['access-control-expose-headers'])).toContain('Location');
    });

    it('allows no other origin', async () => {
      const read = await t.request({ method: 'GET', url: '/health', headers: { origin: 'https://elsewhere.example' } });
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('reads ACCORD_CORS_ORIGINS as a comma-separated list of origins, and refuses anything else', () => {
    expect(readApiConfig({}).corsOrigins).toEqual([]);
    expect(
      readApiConfig({ ACCORD_CORS_ORIGINS: ' https://console.example.org, http://localhost:5173 ,' }).corsOrigins,
    ).toEqual(['https://console.example.org', 'http://localhost:5173']);
    for (const bad of ['https://console.example.org/', 'console.example.org', '*', 'ftp://x.org']) {
      expect(() => readApiConfig({ ACCORD_CORS_ORIGINS: bad })).toThrow(ConfigError);
    }
  });
});
