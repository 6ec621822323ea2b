import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receipt {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The CloudEvent's id (the event's) and position. */
  readonly eventId: string;
  readonly position: number;
  readonly answer: number | 'hang';
}

/**
 * A real HTTP receiver on loopback: answers the scripted replies in turn (a status, or 'hang':
 * it reads the request and never answers), then `then` (200 by default) for every other.
 */
export class Receiver {
  readonly receipts: Receipt[] = [];
  script: (number | 'hang')[] = [];
  then: number | 'hang' = 200;
  /** Milliseconds each answer waits (a receiver that is merely slow). */
  delayMs = 0;
  private readonly hanging = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = this.script.length > 0 ? this.script.shift()! : this.then;
        let parsed: { id?: string; position?: number } = {};
        try {
          parsed = JSON.parse(body);
        } catch {
          // recorded as is; the spec's assertions say what was wrong
        }
        this.receipts.push({
          path: req.url ?? '/',
          headers: req.headers,
          body,
          eventId: String(parsed.id),
          position: Number(parsed.position),
          answer,
        });
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        setTimeout(() => {
          res.statusCode = answer;
          res.end('ok');
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The receipts of one path that were answered 2xx, first of each webhook-id. */
  delivered(path?: string): Receipt[] {
    const seen = new Set<string>();
    return this.receipts.filter((r) => {
      if (path !== undefined && r.path !== path) return false;
      if (typeof r.answer !== 'number' || r.answer < 200 || r.answer >= 300) return false;
      const id = String(r.headers['webhook-id']);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
