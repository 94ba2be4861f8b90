import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { AccountGrants } from '../auth/account-grants.js';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { EventDelivery, EventSubscription, OutboxEvent } from './event.entity.js';
import { maySee, type EventAccess, type NewEvent } from './event-types.js';

const INSERT_CHUNK = 200;

/**
 * The outbox (contract §14): the repository or service that makes a change writes its events here, in its
 * own transaction, so that a crash can neither lose an event nor invent one. Each event's deliveries — one
 * per active subscription that receives it — are written with it: the worker then only sends rows that
 * exist, and a subscription receives the events written after it was created.
 */
@Injectable()
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly grants: AccountGrants,
  ) {}

  async append(manager: EntityManager, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.clock.now();
    const rows = events.map((event) => {
      const id = randomUUID();
      const body = JSON.stringify({ id, type: event.type, timestamp: now.toISOString(), data: event.data });
      return {
        id,
        type: event.type,
        subject: event.subject,
        accountId: event.accountId,
        initiatedBy: event.initiatedBy,
        occurredAt: now,
        body,
      };
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      await manager
        .createQueryBuilder()
        .insert()
        .into(OutboxEvent)
        .values(rows.slice(i, i + INSERT_CHUNK))
        .updateEntity(false)
        .execute();
    const subscriptions = await manager.find(EventSubscription, { where: { status: 'active' } });
    const owed = rows.flatMap((row) => subscriptions.filter((s) => this.receives(s, row)).map((s) => ({ row, s })));
    if (owed.length === 0) return;
    const seqs = new Map<string, number>();
    const ids = [...new Set(owed.map(({ row }) => row.id))];
    for (let i = 0; i < ids.length; i += INSERT_CHUNK)
      for (const e of await manager.find(OutboxEvent, {
        select: { seq: true, id: true },
        where: { id: In(ids.slice(i, i + INSERT_CHUNK)) },
      }))
        seqs.set(e.id, e.seq);
    const deliveries: EventDelivery[] = owed.map(({ row, s }) => ({
      id: randomUUID(),
      eventSeq: seqs.get(row.id)!,
      eventId: row.id,
      subscriptionId: s.id,
      subject: row.subject,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastStatusCode: null,
      lastError: null,
      deliveredAt: null,
      createdAt: now,
    }));
    for (let i = 0; i < deliveries.length; i += INSERT_CHUNK)
      await manager
        .createQueryBuilder()
        .insert()
        .into(EventDelivery)
        .values(deliveries.slice(i, i + INSERT_CHUNK))
        .updateEntity(false)
        .execute();
    this.wakeAfterCommit(manager);
  }

  /** Once `manager`'s transaction commits, this replica's delivery worker starts at once instead of at its next poll. */
  wakeAfterCommit(manager: EntityManager): void {
    this.db.afterCommit(manager, () => this.listeners.forEach((listener) => listener()));
  }

  /** `listener` runs after each commit that wrote deliveries on this replica. */
  onDeliveriesCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether `subscription` receives an event: its type, its owner's access, and its own account filter. */
  receives(subscription: EventSubscription, event: EventAccess & { type: string }): boolean {
    if (!subscription.eventTypes.split(',').includes(event.type)) return false;
    const owner = { sub: subscription.owner, roles: subscription.ownerRoles ? subscription.ownerRoles.split(',') : [] };
    if (!maySee(owner, event, (account) => this.grants.canRead(owner, account))) return false;
    if (subscription.accounts === null || event.accountId === null) return true;
    return subscription.accounts.split(',').includes(event.accountId);
  }
}
