import { Injectable } from '@nestjs/common';
import { In, IsNull, type EntityManager } from 'typeorm';
import { Database } from '../database/database.js';
import { WebhookEventEntity } from './webhook-event.entity.js';

/**
 * QBank's verified webhooks (table `webhook_events`), stored once per (payment, status) and applied once:
 * an event for a payment the gateway has not recorded yet waits here until it is.
 */
@Injectable()
export class WebhookInboxRepository {
  constructor(private readonly db: Database) {}

  /** Stores the event unless the same change was already received; answers whether it is new. */
  async store(manager: EntityManager, event: WebhookEventEntity): Promise<boolean> {
    await manager.createQueryBuilder().insert().into(WebhookEventEntity).values(event).orIgnore().execute();
    // Whichever delivery's row holds the (payment, status) key now is the one that was stored.
    return (await manager.findOneBy(WebhookEventEntity, { dedupeKey: event.dedupeKey }))?.id === event.id;
  }

  /** Events of these QBank payments neither applied nor refused yet. */
  waiting(manager: EntityManager, qbankPaymentIds: string[]): Promise<WebhookEventEntity[]> {
    return manager.find(WebhookEventEntity, {
      where: { qbankPaymentId: In(qbankPaymentIds), appliedAt: IsNull() },
      order: { receivedAt: 'ASC' },
    });
  }

  /** Of these QBank payments, those with events waiting (almost always none), read from committed data. */
  async withWaiting(qbankPaymentIds: string[]): Promise<string[]> {
    const found = new Set<string>();
    for (let i = 0; i < qbankPaymentIds.length; i += 500) {
      const rows = await this.db.reader.find(WebhookEventEntity, {
        select: { qbankPaymentId: true },
        where: { qbankPaymentId: In(qbankPaymentIds.slice(i, i + 500)), appliedAt: IsNull() },
      });
      for (const row of rows) found.add(row.qbankPaymentId);
    }
    return [...found];
  }

  /**
   * Marks the event handled (applied, or refused with its reason); false when another transaction already
   * did. Of two transactions handling one event, the second waits for the first's row lock, then finds it
   * handled and leaves the payment alone.
   */
  async claim(manager: EntityManager, id: string, at: Date, refusal: string | null = null): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(WebhookEventEntity)
      .set({ appliedAt: at, refusal })
      .where('id = :id AND applied_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }
}
