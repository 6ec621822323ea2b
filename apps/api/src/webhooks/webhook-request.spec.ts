import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook } from './webhook-request';

describe('a webhook post', () => {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('checks the address it connects to, so a name that now resolves to loopback is refused (DNS rebinding)', async () => {
    const options = { timeoutMs: 2_000, allowPrivate: false };
    const byName = await postWebhook(`http://localhost:${port}/rebound`, {}, '{}', options);
    expect(byName).toEqual({
      statusCode: null,
      error: expect.stringMatching(/localhost now resolves to .*(127\.0\.0\.1|::1)/),
    });
    const literal = await postWebhook(`http://127.0.0.1:${port}/literal`, {}, '{}', options);
    expect(literal.error).toMatch(/127\.0\.0\.1 is a private, loopback or link-local address/);
    expect(received).toEqual([]);
    // Allowed, the same post arrives.
    expect(await postWebhook(`http://127.0.0.1:${port}/allowed`, {}, '{}', { ...options, allowPrivate: true })).toEqual(
      {
        statusCode: 204,
        error: null,
      },
    );
    expect(received).toEqual(['/allowed']);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const answer = await postWebhook(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {}, '{}', {
      timeoutMs: 200,
      allowPrivate: true,
    });
    expect(answer).toEqual({ statusCode: null, error: 'no answer within 200 ms' });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});
