import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { FeedConnection, type CloseReason } from './feed-connection';

/**
 * FeedConnection on a real loopback connection: the client socket is the reader, and one that
 * is paused never reads, so the kernel's buffers fill and then Node's, as with a stopped reader.
 */
describe('FeedConnection', () => {
  let server: Server;
  let responses: ServerResponse[];
  const clients: Socket[] = [];

  beforeEach(async () => {
    responses = [];
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      responses.push(response);
      server.emit('feed', response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    for (const response of responses) response.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A reader that sends the request; `reading: false` pauses it at once, so it never reads. */
  async function reader({ reading }: { reading: boolean }): Promise<{ response: ServerResponse; client: Socket }> {
    const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    clients.push(client);
    client.on('error', () => undefined);
    if (!reading) client.pause();
    const served = once(server, 'feed') as Promise<[ServerResponse]>;
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const [response] = await served;
    return { response, client };
  }

  const frame = `data: ${'x'.repeat(64 * 1024)}\n\n`;

  it('drops a reader that never reads once its buffer would pass the bound, and never holds more', async () => {
    const { response } = await reader({ reading: false });
    const maxBufferBytes = 256 * 1024;
    const connection = new FeedConnection(response, maxBufferBytes, 60_000);
    const reasons: CloseReason[] = [];
    connection.onClose((reason) => reasons.push(reason));
    let held = 0;
    let sent = 0;
    while (sent < 10_000 && connection.send(frame)) {
      sent += 1;
      held = Math.max(held, connection.bufferedBytes);
    }
    expect(reasons).toEqual(['overflow']);
    expect(connection.closed).toBe(true);
    expect(response.destroyed).toBe(true);
    // A frame is written whole when the socket is not congested, then only the bound holds.
    expect(held).toBeLessThanOrEqual(maxBufferBytes + Buffer.byteLength(frame));
    expect(connection.send(frame)).toBe(false);
  });

  it('drops a reader whose socket takes nothing for the stall time, even with room in the buffer', async () => {
    const { response } = await reader({ reading: false });
    const connection = new FeedConnection(response, 1024 ** 3, 50);
    const closed = new Promise<CloseReason>((resolve) => connection.onClose(resolve));
    // Frames keep coming, as heartbeats do; each 'drain' restarts the clock, until the
    // kernel's buffers are full and the socket takes nothing more.
    const feeding = setInterval(() => connection.send(frame), 10);
    try {
      expect(await closed).toBe('stalled');
    } finally {
      clearInterval(feeding);
    }
    expect(response.destroyed).toBe(true);
  });

  it('passes every frame to a reader that reads, waiting for drain, and ends it cleanly', async () => {
    const { response, client } = await reader({ reading: true });
    const connection = new FeedConnection(response, 128 * 1024, 60_000);
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    const ended = once(client, 'end');
    const frames = 40; // 2.6 MB: twenty times the bound
    for (let i = 0; i < frames; i++) {
      expect(connection.send(frame)).toBe(true);
      await connection.drained();
    }
    connection.end();
    await ended;
    expect(connection.closed).toBe(true);
    expect(received).toBeGreaterThan(frames * Buffer.byteLength(frame));
  });

  it('cuts rather than ends a reader whose socket is full, so a drain does not wait for it', async () => {
    const { response } = await reader({ reading: false });
    const connection = new FeedConnection(response, 1024 ** 3, 60_000);
    while (connection.bufferedBytes === 0) connection.send(frame);
    connection.end();
    expect(response.destroyed).toBe(true);
  });

  it('closes when the reader goes away, and says so', async () => {
    const { response, client } = await reader({ reading: true });
    const connection = new FeedConnection(response, 1024, 60_000);
    const closed = new Promise<CloseReason>((resolve) => connection.onClose(resolve));
    client.destroy();
    expect(await closed).toBe('disconnected');
    expect(connection.send('data: late\n\n')).toBe(false);
  });
});
