import { randomBytes, randomUUID } from 'node:crypto';
import { headPosition, type EventStore } from '@accord/event-store';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import type { EventFilter } from '../live/event-filter';
import type { DeliveryRecord, SubscriptionRecord, SubscriptionStore } from './subscription-store';
import { checkTarget, TargetRefusedError } from './target-url';
import type { WebhookDispatcher } from './webhook-dispatcher';
import type { WebhookSettings } from './webhook-settings';

export interface SubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly filter: EventFilter;
  readonly state: SubscriptionRecord['state'];
  readonly checkpoint: number;
  readonly lag: number;
  readonly lastError: string | null;
  readonly failures: number;
  readonly attempts: number;
  readonly ownerParty: string | null;
  readonly createdAt: string;
}

/** What metrics read: the backlog over all subscriptions, failures on this instance, parked subscriptions. */
export interface WebhookStats {
  /** The sum of every active or parked subscription's lag (events behind the end of the log). */
  readonly backlog: number;
  /** Failed attempts made by this instance since it started. */
  readonly failuresTotal: number;
  readonly deliveredTotal: number;
  readonly parked: number;
}

export interface CreateSubscription {
  readonly url: string;
  readonly secret?: string;
  readonly filter: EventFilter;
  readonly from?: 'now' | 'start' | number;
}

/** Standard Webhooks' secret format: `whsec_` and base64 of random bytes (24 of them here). */
export const generateSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** Webhook subscriptions: who may see and change which, and the views the controller answers with. */
export class WebhooksService {
  constructor(
    private readonly store: EventStore,
    private readonly subscriptions: SubscriptionStore,
    private readonly settings: WebhookSettings,
    /** The delivering side, on an instance that runs the workers: told at once of a change made here. */
    private readonly dispatcher: WebhookDispatcher | undefined,
  ) {}

  async create(principal: Principal, input: CreateSubscription): Promise<SubscriptionView & { secret: string }> {
    const filter = this.ownFilter(principal, input.filter);
    try {
      await checkTarget(input.url, this.settings.allowPrivate);
    } catch (error) {
      if (error instanceof TargetRefusedError) {
        throw new ProblemException(400, 'WEBHOOK_TARGET_REFUSED', error.message, {
          errors: [{ field: 'url', messages: [error.message] }],
        });
      }
      throw error;
    }
    const from = input.from ?? 'now';
    const checkpoint = from === 'start' ? 0 : from === 'now' ? await headPosition(this.store) : Math.max(0, from - 1);
    const record: SubscriptionRecord = {
      id: randomUUID(),
      url: input.url,
      secret: input.secret ?? generateSecret(),
      filter,
      ownerParty: principal.role === 'admin' ? null : principal.party,
      state: 'active',
      checkpoint,
      failures: 0,
      attempts: 0,
      lastError: null,
      generation: 0,
      createdAt: new Date().toISOString(),
    };
    await this.subscriptions.insert(record);
    this.dispatcher?.poke();
    return { ...(await this.view(record)), secret: record.secret };
  }

  async list(principal: Principal): Promise<SubscriptionView[]> {
    const records = await this.subscriptions.list(this.partyOf(principal));
    const head = await headPosition(this.store);
    return records.map((record) => this.toView(record, head));
  }

  async get(principal: Principal, id: string): Promise<SubscriptionView> {
    return this.view(await this.find(principal, id));
  }

  async deliveries(principal: Principal, id: string): Promise<DeliveryRecord[]> {
    await this.find(principal, id);
    return this.subscriptions.deliveries(id);
  }

  pause(principal: Principal, id: string): Promise<SubscriptionView> {
    return this.change(principal, id, { state: 'paused' });
  }

  /** Re-arms a parked or paused subscription: its failures are forgotten, delivery starts again at once. */
  resume(principal: Principal, id: string): Promise<SubscriptionView> {
    return this.change(principal, id, { state: 'active', clearFailures: true });
  }

  /** Moves the checkpoint back (or forward) so that delivery starts again at `from`; resumes it. */
  replay(principal: Principal, id: string, from: number): Promise<SubscriptionView> {
    return this.change(principal, id, { state: 'active', clearFailures: true, checkpoint: Math.max(0, from - 1) });
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.find(principal, id);
    await this.subscriptions.remove(id);
    this.dispatcher?.poke(id);
  }

  async stats(): Promise<WebhookStats> {
    const records = await this.subscriptions.list();
    const head = await headPosition(this.store);
    return {
      backlog: records
        .filter((r) => r.state !== 'paused')
        .reduce((sum, r) => sum + Math.max(0, head - r.checkpoint), 0),
      failuresTotal: this.dispatcher?.counters.failures ?? 0,
      deliveredTotal: this.dispatcher?.counters.delivered ?? 0,
      parked: records.filter((r) => r.state === 'parked').length,
    };
  }

  private async change(
    principal: Principal,
    id: string,
    change: Parameters<SubscriptionStore['change']>[1],
  ): Promise<SubscriptionView> {
    await this.find(principal, id);
    const changed = await this.subscriptions.change(id, change);
    if (!changed) throw new ProblemException(404, 'NOT_FOUND', `No subscription ${id}`);
    this.dispatcher?.poke(id);
    return this.view(changed);
  }

  /** An integration's subscriptions are its party's: another party's are not found, not forbidden, to say nothing of them. */
  private async find(principal: Principal, id: string): Promise<SubscriptionRecord> {
    const record = await this.subscriptions.get(id);
    const party = this.partyOf(principal);
    if (!record || (party !== undefined && record.ownerParty !== party)) {
      throw new ProblemException(404, 'NOT_FOUND', `No subscription ${id}`);
    }
    return record;
  }

  private partyOf(principal: Principal): string | undefined {
    return principal.role === 'admin' ? undefined : (principal.party ?? '');
  }

  /** The filter as stored: an integration's is always its own party's. */
  private ownFilter(principal: Principal, filter: EventFilter): EventFilter {
    const clean: EventFilter = {
      ...(filter.types && filter.types.length > 0 ? { types: [...filter.types] } : {}),
      ...(filter.category ? { category: filter.category } : {}),
      ...(filter.agreementId ? { agreementId: filter.agreementId } : {}),
      ...(filter.party ? { party: filter.party } : {}),
    };
    if (principal.role === 'admin') return clean;
    if (clean.party !== undefined && clean.party !== principal.party) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `An integration key of ${principal.party} may subscribe to its own party's events only, not ${clean.party}'s`,
      );
    }
    return { ...clean, party: principal.party ?? '' };
  }

  private async view(record: SubscriptionRecord): Promise<SubscriptionView> {
    return this.toView(record, await headPosition(this.store));
  }

  private toView(record: SubscriptionRecord, head: number): SubscriptionView {
    return {
      id: record.id,
      url: record.url,
      filter: record.filter,
      state: record.state,
      checkpoint: record.checkpoint,
      lag: Math.max(0, head - record.checkpoint),
      lastError: record.lastError,
      failures: record.failures,
      attempts: record.attempts,
      ownerParty: record.ownerParty,
      createdAt: record.createdAt,
    };
  }
}
