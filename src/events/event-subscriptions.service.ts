import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { Clock } from '../common/clock.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { parseSealingKeys, RequestSealer } from '../idempotency/request-sealer.js';
import { EventDelivery, EventDeliveryAttempt, EventSubscription, OutboxEvent } from './event.entity.js';
import type { CreateEventSubscriptionDto } from './event-subscription.dto.js';
import { EVENTS_ADMIN_ROLE } from './event-types.js';
import { Outbox } from './outbox.js';
import { newSecret } from './webhook-signature.js';

/** How long a rotated-out secret keeps signing beside the new one. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface SubscriptionView {
  id: string;
  url: string;
  event_types: string[];
  accounts: string[] | null;
  status: string;
  disabled_reason: string | null;
  owner: string;
  /** While a rotated-out secret still signs beside the new one: until when. */
  previous_secret_expires_at: string | null;
  created_at: string;
}

export interface DeliveryView {
  delivery_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: { attempt: number; at: string; status_code: number | null; latency_ms: number; error: string | null }[];
}

/**
 * Subscriptions to events (contract §14): a caller manages its own, `gateway-admin` all of them (another's
 * is answered 404, as if it did not exist). Secrets are shown once, when made, and stored sealed with the
 * request keys (they must be recoverable to sign), the subscription's id bound in.
 */
@Injectable()
export class EventSubscriptionsService {
  private readonly sealer: RequestSealer;

  constructor(
    private readonly db: Database,
    private readonly grants: AccountGrants,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    config: GatewayConfig,
  ) {
    this.sealer = new RequestSealer(parseSealingKeys(config.idempotency.requestKeys));
  }

  async create(dto: CreateEventSubscriptionDto, by: AuditActor): Promise<SubscriptionView & { secret: string }> {
    const accounts = dto.accounts ? [...new Set(dto.accounts.map((a) => a.toLowerCase()))] : null;
    if (accounts) this.grants.assertRead(by, ...accounts);
    const id = randomUUID();
    const secret = newSecret();
    const now = this.clock.now();
    const subscription: EventSubscription = {
      id,
      owner: by.sub,
      ownerRoles: (by.roles ?? []).join(','),
      url: dto.url,
      eventTypes: [...new Set(dto.event_types)].join(','),
      accounts: accounts ? accounts.join(',') : null,
      status: 'active',
      disabledReason: null,
      secretSealed: this.sealer.seal(secret, id),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.transaction((manager) => manager.insert(EventSubscription, subscription));
    return { ...view(subscription), secret };
  }

  async list(by: AuditActor): Promise<{ data: SubscriptionView[]; next_cursor: null }> {
    const all = await this.db.reader.find(EventSubscription, {
      where: isAdmin(by) ? {} : { owner: by.sub },
      order: { createdAt: 'ASC' },
    });
    return { data: all.map(view), next_cursor: null };
  }

  async get(id: string, by: AuditActor): Promise<SubscriptionView> {
    return view(await this.managed(id, by));
  }

  async remove(id: string, by: AuditActor): Promise<void> {
    await this.managed(id, by);
    await this.db.transaction((manager) => manager.delete(EventSubscription, { id }));
  }

  /** A new secret; the old one keeps signing beside it for 24 hours. */
  async rotate(id: string, by: AuditActor): Promise<SubscriptionView & { secret: string }> {
    await this.managed(id, by);
    const secret = newSecret();
    const rotated = await this.db.transaction(async (manager) => {
      const current = await manager.findOneByOrFail(EventSubscription, { id });
      const now = this.clock.now();
      Object.assign(current, {
        previousSecretSealed: current.secretSealed,
        previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
        secretSealed: this.sealer.seal(secret, id),
        updatedAt: now,
      });
      await manager.update(EventSubscription, { id }, current);
      return current;
    });
    return { ...view(rotated), secret };
  }

  /** The secrets that sign a delivery now: the current one, and the rotated-out one within its 24 hours. */
  secretsOf(subscription: EventSubscription): string[] {
    const secrets = [this.sealer.open(subscription.secretSealed, subscription.id)];
    if (
      subscription.previousSecretSealed &&
      subscription.previousSecretExpiresAt &&
      subscription.previousSecretExpiresAt > this.clock.now()
    )
      secrets.push(this.sealer.open(subscription.previousSecretSealed, subscription.id));
    return secrets;
  }

  /** The subscription's deliveries, newest event first, each with its attempts. */
  async deliveries(id: string, by: AuditActor, limit: number): Promise<{ data: DeliveryView[]; next_cursor: null }> {
    await this.managed(id, by);
    const deliveries = await this.db.reader.find(EventDelivery, {
      where: { subscriptionId: id },
      order: { eventSeq: 'DESC' },
      take: limit,
    });
    return { data: await this.deliveryViews(deliveries), next_cursor: null };
  }

  /**
   * `POST /v1/events/{id}/redeliver`: the event is sent again, from the first attempt of the schedule, to
   * each of the caller's subscriptions that had it (`gateway-admin`: every subscription that had it).
   */
  async redeliver(eventId: string, by: AuditActor): Promise<{ data: DeliveryView[] }> {
    const ids = await this.db.transaction(async (manager) => {
      const q = manager
        .createQueryBuilder(EventDelivery, 'd')
        .innerJoin(EventSubscription, 's', 's.id = d.subscription_id')
        .where('d.event_id = :eventId', { eventId })
        .andWhere('s.status = :active', { active: 'active' });
      if (!isAdmin(by)) q.andWhere('s.owner = :owner', { owner: by.sub });
      const found = await q.getMany();
      if (found.length === 0) throw new NotFoundError(`No delivery of event ${eventId} to an active subscription of the caller`);
      const now = this.clock.now();
      await manager.update(
        EventDelivery,
        { id: In(found.map((d) => d.id)) },
        { status: 'pending', attempts: 0, nextAttemptAt: now, lockedUntil: null, deliveredAt: null },
      );
      this.outbox.wakeAfterCommit(manager);
      return found.map((d) => d.id);
    });
    return { data: await this.deliveryViews(await this.db.reader.findBy(EventDelivery, { id: In(ids) })) };
  }

  private async deliveryViews(deliveries: EventDelivery[]): Promise<DeliveryView[]> {
    if (deliveries.length === 0) return [];
    const ids = deliveries.map((d) => d.id);
    const attempts = await this.db.reader.find(EventDeliveryAttempt, { where: { deliveryId: In(ids) }, order: { attemptedAt: 'ASC' } });
    const types = new Map(
      (
        await this.db.reader.find(OutboxEvent, {
          select: { id: true, type: true },
          where: { id: In([...new Set(deliveries.map((d) => d.eventId))]) },
        })
      ).map((e) => [e.id, e.type]),
    );
    return deliveries.map((d) => ({
      delivery_id: d.id,
      event_id: d.eventId,
      event_type: types.get(d.eventId) ?? '',
      status: d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
      delivered_at: d.deliveredAt?.toISOString() ?? null,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      attempt_log: attempts
        .filter((a) => a.deliveryId === d.id)
        .map((a) => ({
          attempt: a.attempt,
          at: a.attemptedAt.toISOString(),
          status_code: a.statusCode,
          latency_ms: a.latencyMs,
          error: a.error,
        })),
    }));
  }

  /** A subscription the caller manages; another's is 404, as if it did not exist. */
  private async managed(id: string, by: AuditActor): Promise<EventSubscription> {
    const found = await this.db.reader.findOneBy(EventSubscription, { id });
    if (!found || (found.owner !== by.sub && !isAdmin(by))) throw new NotFoundError(`No event subscription ${id}`);
    return found;
  }
}

export const isAdmin = (by: { roles?: readonly string[] }): boolean => (by.roles ?? []).includes(EVENTS_ADMIN_ROLE);

function view(s: EventSubscription): SubscriptionView {
  return {
    id: s.id,
    url: s.url,
    event_types: s.eventTypes.split(','),
    accounts: s.accounts ? s.accounts.split(',') : null,
    status: s.status,
    disabled_reason: s.disabledReason,
    owner: s.owner,
    previous_secret_expires_at: s.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: s.createdAt.toISOString(),
  };
}
