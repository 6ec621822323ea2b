import type { OutgoingHttpHeaders } from 'node:http';
import { toCloudEventLine } from '@accord/audit';
import { headPosition, type EventStore, type RecordedEvent } from '@accord/event-store';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import type { ApiConfig, LiveFeedConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { EventScopes, type EventFilter } from './event-filter';
import { FeedConnection } from './feed-connection';

export const DEFAULT_LIVE_FEED: LiveFeedConfig = {
  heartbeatMs: 15_000,
  maxBufferBytes: 1024 * 1024,
  maxStreamsPerKey: 10,
};
/** The reconnection delay suggested to EventSource clients (the `retry:` field). */
export const RETRY_MS = 2_000;
/** A reader whose socket takes nothing for this many heartbeat intervals has stopped reading. */
export const STALL_HEARTBEATS = 4;
/** What a 429 for too many streams tells the client to wait. */
const TOO_MANY_RETRY_AFTER_S = 5;
/** create-app.ts's drain() emits this on the HTTP server when the instance starts to stop. */
const DRAINING_EVENT = 'accord:draining';

export interface FeedRequest {
  readonly principal: Principal;
  readonly filter: EventFilter;
  /** Deliver events after this position; undefined: from the head at connection. */
  readonly after: number | undefined;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/**
 * GET /events/stream's engine: each connection follows the log with its own catch-up
 * subscription from its start position, in position order, filtered, and writes each match
 * as one SSE message whose id is the event's position, so a reader that reconnects with
 * Last-Event-ID resumes after exactly the last event it saw (decision 0034).
 */
@Injectable()
export class LiveFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveFeed');
  private readonly config: LiveFeedConfig;
  private readonly scopes: EventScopes;
  private readonly open = new Set<FeedConnection>();
  private readonly perKey = new Map<string, number>();
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.config = config.liveFeed ?? DEFAULT_LIVE_FEED;
    this.scopes = new EventScopes(store);
  }

  onApplicationBootstrap(): void {
    // A stream never ends by itself, so draining would wait for it until its timeout: end
    // the streams as soon as the instance starts to stop, and the readers resume elsewhere.
    const server = this.adapterHost.httpAdapter?.getHttpServer() as NodeJS.EventEmitter | undefined;
    server?.on(DRAINING_EVENT, () => this.endAll());
  }

  beforeApplicationShutdown(): void {
    this.endAll();
  }

  /** Streams open now (for tests and metrics). */
  get streams(): number {
    return this.open.size;
  }

  /**
   * Refuses what can be refused with a problem (too many streams, stopping), then takes the
   * response over. Resolves once the stream has started; it runs until the reader leaves.
   */
  async start({ principal, filter, after, request, reply }: FeedRequest): Promise<void> {
    if (this.stopping) throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'The instance is stopping; reconnect');
    const held = this.perKey.get(principal.id) ?? 0;
    if (held >= this.config.maxStreamsPerKey) {
      void reply.header('retry-after', String(TOO_MANY_RETRY_AFTER_S));
      throw new ProblemException(
        429,
        'RATE_LIMITED',
        `This API key already has ${held} live streams open, the most ACCORD_SSE_MAX_STREAMS_PER_KEY allows; close one first`,
      );
    }
    // Taken before the first await, so that parallel requests cannot all pass the check.
    this.perKey.set(principal.id, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(principal.id) ?? 1) - 1;
      if (left > 0) this.perKey.set(principal.id, left);
      else this.perKey.delete(principal.id);
    };
    let head: number;
    try {
      head = await headPosition(this.store);
    } catch (error) {
      release();
      throw error;
    }
    const start = after ?? head;
    if (reply.raw.destroyed || reply.raw.socket?.destroyed !== false) {
      // The reader left while the head was read: its 'close' has passed, nothing would free the slot.
      release();
      reply.hijack();
      return;
    }

    // From here the answer is the stream: Fastify's hooks (compression among them) are bypassed.
    reply.hijack();
    const raw = reply.raw;
    // What the hooks set so far (CORS, rate-limit headers) would be lost with the reply.
    const set = Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined);
    raw.writeHead(200, {
      ...(Object.fromEntries(set) as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx buffers proxied answers unless told not to.
      'x-accel-buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    const connection = new FeedConnection(raw, this.config.maxBufferBytes, STALL_HEARTBEATS * this.config.heartbeatMs);
    this.open.add(connection);
    connection.send(`retry: ${RETRY_MS}\n\n`);
    const heartbeat = setInterval(() => connection.send(': heartbeat\n\n'), this.config.heartbeatMs);
    heartbeat.unref();
    const subscription = this.store.subscribe({ after: start });
    const progress = { position: start };
    connection.onClose((reason) => {
      clearInterval(heartbeat);
      this.open.delete(connection);
      release();
      void subscription.stop();
      if (reason === 'overflow' || reason === 'stalled') {
        this.logger.warn({
          msg:
            reason === 'overflow'
              ? 'live feed reader dropped: its buffer is full'
              : 'live feed reader dropped: it stopped reading',
          key: principal.name,
          keyId: principal.id,
          position: progress.position,
          maxBufferBytes: this.config.maxBufferBytes,
          requestId: request.id,
        });
      }
    });
    void this.pump(connection, subscription, filter, head, progress).catch((error: unknown) => {
      this.logger.error({ msg: 'live feed stopped on an error', err: error, requestId: request.id });
      connection.end();
    });
  }

  /**
   * Writes the matching events. Until the reader has caught up with the head it had at
   * connection, the store is read no faster than the socket takes the frames (waiting for
   * 'drain'), so a long catch-up never fills the buffer; after that it follows the log, and a
   * reader slower than the log fills its bounded buffer and is dropped.
   */
  private async pump(
    connection: FeedConnection,
    subscription: AsyncIterable<RecordedEvent>,
    filter: EventFilter,
    head: number,
    progress: { position: number },
  ): Promise<void> {
    let caughtUp = progress.position >= head;
    for await (const event of subscription) {
      if (connection.closed) break;
      if (event.position >= head) caughtUp = true;
      if (!(await this.scopes.matches(filter, event))) continue;
      if (!connection.send(frameOf(event, this.logger))) break;
      progress.position = event.position;
      if (!caughtUp) await connection.drained();
    }
    if (!connection.closed) connection.end();
  }

  private endAll(): void {
    this.stopping = true;
    for (const connection of [...this.open]) connection.end();
  }
}

/** One SSE message: the position as its id, the type as its event name, the CloudEvent on one line. */
function frameOf(event: RecordedEvent, logger: Logger): string {
  try {
    return `id: ${event.position}\nevent: ${event.type}\ndata: ${toCloudEventLine(event)}\n\n`;
  } catch (error) {
    // Only an event written around the API (ids with control characters) lands here.
    logger.warn({
      msg: 'live feed skipped an event that cannot be a CloudEvent',
      position: event.position,
      err: error,
    });
    return `id: ${event.position}\n: position ${event.position} cannot be written as a CloudEvent\n\n`;
  }
}
