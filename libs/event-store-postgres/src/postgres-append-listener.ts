import { Client } from 'pg';
import type { ClientConfig, Notification } from 'pg';
import { quoteIdentifier } from './postgres-schema';

/**
 * One LISTEN connection per store instance, shared by all its subscriptions. It reports
 * each notified position, and reconnects after losing the server; a wake-up missed while
 * it was down is made up by the subscriptions' polling (and by `onReconnect`).
 */
export class PostgresAppendListener {
  private client: Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly onPosition: (position: number) => void,
    private readonly onReconnect: () => void,
    private readonly retryMs: number,
  ) {}

  start(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message: Notification) => {
      const position = Number(message.payload);
      if (Number.isSafeInteger(position)) this.onPosition(position);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch {
      onLost();
      return;
    }
    if (this.closed || lost) {
      lost = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Appends may have committed while no one was listening.
    this.onReconnect();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, this.retryMs);
    this.retry.unref();
  }
}
