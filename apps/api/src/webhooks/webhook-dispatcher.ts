import { randomUUID } from 'node:crypto';
import { agreementEventTypes, commitmentEventTypes } from '@accord/commitments';
import { sessionEventTypes } from '@accord/committee';
import { toCloudEventLine } from '@accord/audit';
import { headPosition, type EventStore, type RecordedEvent, type Subscription } from '@accord/event-store';
import { Logger } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { v5 as uuidv5 } from 'uuid';
import { EventScopes } from '../live/event-filter';
import type { SubscriptionRecord, SubscriptionStore } from './subscription-store';
import { postWebhook } from './webhook-request';
import type { WebhookSettings } from './webhook-settings';

/** Namespace of webhook-ids: one per (subscription, event), so a redelivery carries the same id. */
const WEBHOOK_ID_NAMESPACE = '8d1f3b5a-6c2e-4f7a-9b0d-2e4c6a8f1b3d';
const PUBLISHED = new Set<string>([...agreementEventTypes, ...commitmentEventTypes, ...sessionEventTypes]);
const hasSchema = (type: string, version: number) => version === 1 && PUBLISHED.has(type);
/** Events read per page while a subscription catches up. */
const PAGE = 200;
/** How often the holder looks at the table for subscriptions made, paused or replayed on other instances. */
const SYNC_MS = 1_000;

export const webhookIdOf = (subscriptionId: string, eventId: string): string =>
  `msg_${uuidv5(`${subscriptionId}/${eventId}`, WEBHOOK_ID_NAMESPACE)}`;

/** The body of a delivery: the event as one CloudEvent in JSON (structured mode), as `accord export` writes it. */
export const cloudEventBody = (event: RecordedEvent): string => toCloudEventLine(event, { hasSchema });

/** Counters for metrics (and the WebhookStats of the service); `onAttempt` is told of each attempt. */
export interface DeliveryCounters {
  failures: number;
  delivered: number;
  onAttempt?: (delivered: boolean) => void;
}

/** A sleep that `wake` cuts short; a wake while awake is kept, so the next sleep returns at once (no lost doorbell). */
class Alarm {
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = undefined;
        clearTimeout(this.timer);
        resolve();
      };
      this.timer = setTimeout(this.wakeUp, ms);
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}

/**
 * One subscription's delivery loop: reads the log after its checkpoint, posts each matching
 * event until the receiver answers 2xx (retrying with capped exponential back-off and full
 * jitter), and moves the checkpoint with the attempt in one transaction. Each subscription has
 * its own loop, so a slow or hanging receiver delays only its own events.
 */
class SubscriptionLoop {
  private running = true;
  /** The idle wait, cut short by the doorbell. */
  private readonly alarm = new Alarm();
  /** The back-off between retries, cut short only by stop: events flowing must not hasten a retry. */
  private readonly backoff = new Alarm();
  readonly done: Promise<void>;

  constructor(
    readonly id: string,
    private readonly deps: {
      store: EventStore;
      subscriptions: SubscriptionStore;
      scopes: EventScopes;
      settings: WebhookSettings;
      holder: string;
      counters: DeliveryCounters;
      logger: Logger;
    },
  ) {
    this.done = this.run();
  }

  wake(): void {
    this.alarm.wake();
  }

  stop(): Promise<void> {
    this.running = false;
    this.alarm.wake();
    this.backoff.wake();
    return this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.step())) await this.alarm.sleep(SYNC_MS);
      } catch (error) {
        this.deps.logger.error({ err: error, subscription: this.id }, 'webhook delivery loop failed; retrying');
        await this.alarm.sleep(SYNC_MS);
      }
    }
  }

  /** One page of work; false when there was nothing to do (caught up, paused, parked or gone). */
  private async step(): Promise<boolean> {
    const { store, subscriptions, scopes, holder } = this.deps;
    let sub = await subscriptions.get(this.id);
    if (!sub || sub.state !== 'active') {
      this.running = sub !== undefined && this.running; // a deleted subscription's loop ends
      return false;
    }
    const page = await store.readAll({ after: sub.checkpoint, maxCount: PAGE });
    if (page.length === 0) return false;
    for (const event of page) {
      if (!this.running) return true;
      if (!(await scopes.matches(sub.filter, event))) continue;
      // The events before this one do not match: the checkpoint moves past them first.
      if (event.position - 1 > sub.checkpoint) {
        if (!(await subscriptions.skipTo(sub, holder, event.position - 1))) return true;
        sub = { ...sub, checkpoint: event.position - 1 };
      }
      const next = await this.deliver(sub, event);
      if (!next) return true; // paused, replayed, parked, deleted or the lease lost: read the row again
      sub = next;
    }
    const last = page[page.length - 1].position;
    if (last > sub.checkpoint) await subscriptions.skipTo(sub, holder, last);
    return true;
  }

  /** Posts one event until it is delivered; resolves with the subscription after it, or undefined to re-read. */
  private async deliver(initial: SubscriptionRecord, event: RecordedEvent): Promise<SubscriptionRecord | undefined> {
    const { subscriptions, settings, holder, counters } = this.deps;
    const webhookId = webhookIdOf(initial.id, event.id);
    const body = cloudEventBody(event);
    const signer = new Webhook(initial.secret);
    let sub = initial;
    let attempt = 0;
    while (this.running) {
      attempt++;
      const at = new Date();
      const headers = {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'accord-webhooks',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(webhookId, at, body),
      };
      const started = performance.now();
      const answer = await postWebhook(sub.url, headers, body, {
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivate,
      });
      const durationMs = Math.round(performance.now() - started);
      const delivered = answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300;
      if (delivered) counters.delivered++;
      else counters.failures++;
      counters.onAttempt?.(delivered);
      const after = await subscriptions.recordAttempt(sub, holder, {
        delivered,
        maxAttempts: settings.maxAttempts,
        delivery: {
          webhookId,
          eventId: event.id,
          position: event.position,
          attempt,
          statusCode: answer.statusCode,
          error: answer.error ?? (delivered ? null : `HTTP ${answer.statusCode}`),
          durationMs,
          at: at.toISOString(),
        },
      });
      if (!after) return undefined;
      if (delivered) return after;
      if (after.state !== 'active') {
        this.deps.logger.warn(
          { subscription: sub.id, position: event.position, error: after.lastError },
          'webhook subscription parked after consecutive failures',
        );
        return undefined;
      }
      sub = after;
      // Full jitter (AWS's "Exponential Backoff and Jitter"): a random wait up to the capped exponential.
      const ceiling = Math.min(settings.retryCapMs, settings.retryBaseMs * 2 ** Math.min(after.failures - 1, 40));
      await this.backoff.sleep(Math.random() * ceiling);
      const fresh = await subscriptions.get(sub.id);
      if (!fresh || fresh.generation !== sub.generation || fresh.state !== 'active') return undefined;
    }
    return undefined;
  }
}

/**
 * Runs the delivery loops on the instance that holds the webhook lease (a row in the state
 * database), so that two instances with the workers on never both deliver. It renews the lease
 * every third of its length, starts a loop for each active subscription, and rings every loop
 * when the log grows (a subscription to the store, used only as a doorbell).
 */
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  readonly holder = randomUUID();
  private readonly loops = new Map<string, SubscriptionLoop>();
  /** Loops told to stop whose delivery in flight has not finished: no second loop starts beside one. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly alarm = new Alarm();
  private readonly scopes: EventScopes;
  private running = false;
  private holding = false;
  private main: Promise<void> | undefined;
  private doorbell: Subscription | undefined;
  private doorbellLoop: Promise<void> | undefined;
  readonly counters: DeliveryCounters = { failures: 0, delivered: 0 };

  constructor(
    private readonly store: EventStore,
    private readonly subscriptions: SubscriptionStore,
    private readonly settings: WebhookSettings,
  ) {
    this.scopes = new EventScopes(store);
  }

  get isHolder(): boolean {
    return this.holding;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.main = this.run();
  }

  /** Looks at the subscriptions now (one was made, resumed or replayed on this instance). */
  poke(id?: string): void {
    if (id) this.loops.get(id)?.wake();
    this.alarm.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.alarm.wake();
    await this.main;
    await this.stopLoops();
    if (this.holding) await this.subscriptions.releaseLease(this.holder).catch(() => undefined);
    this.holding = false;
  }

  private async run(): Promise<void> {
    let lastRenewal = 0;
    while (this.running) {
      try {
        const now = Date.now();
        if (!this.holding || now - lastRenewal >= this.settings.leaseMs / 3) {
          const held = await this.subscriptions.acquireLease(this.holder, now, this.settings.leaseMs);
          if (held) lastRenewal = now;
          if (held && !this.holding) this.logger.log({ holder: this.holder }, 'this instance delivers webhooks');
          if (!held && this.holding) {
            this.logger.warn({ holder: this.holder }, 'webhook lease lost; another instance delivers');
            await this.stopLoops();
          }
          this.holding = held;
        }
        if (this.holding) await this.sync();
      } catch (error) {
        this.logger.error({ err: error }, 'webhook dispatcher failed; retrying');
      }
      await this.alarm.sleep(Math.min(SYNC_MS, this.settings.leaseMs / 3));
    }
  }

  /** A loop for each active subscription; the loops of the others end. */
  private async sync(): Promise<void> {
    const active = new Set((await this.subscriptions.list()).filter((s) => s.state === 'active').map((s) => s.id));
    for (const [id, loop] of this.loops) {
      if (!active.has(id)) {
        this.loops.delete(id);
        this.stopping.set(
          id,
          loop.stop().finally(() => this.stopping.delete(id)),
        );
      }
    }
    for (const id of active) {
      if (this.stopping.has(id)) continue;
      const loop = this.loops.get(id);
      if (loop) loop.wake();
      else this.loops.set(id, this.loopFor(id));
    }
    this.ringOnAppend();
  }

  private loopFor(id: string): SubscriptionLoop {
    return new SubscriptionLoop(id, {
      store: this.store,
      subscriptions: this.subscriptions,
      scopes: this.scopes,
      settings: this.settings,
      holder: this.holder,
      counters: this.counters,
      logger: this.logger,
    });
  }

  private ringOnAppend(): void {
    if (this.doorbellLoop) return;
    this.doorbellLoop = (async () => {
      try {
        const head = await headPosition(this.store);
        this.doorbell = this.store.subscribe({ after: head });
        for await (const event of this.doorbell) {
          void event;
          for (const loop of this.loops.values()) loop.wake();
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook doorbell stopped; the loops look every second');
      } finally {
        this.doorbell = undefined;
        this.doorbellLoop = undefined;
      }
    })();
  }

  private async stopLoops(): Promise<void> {
    const loops = [...this.loops.values()];
    this.loops.clear();
    await this.doorbell?.stop();
    await Promise.all([...loops.map((loop) => loop.stop()), ...this.stopping.values()]);
  }
}
