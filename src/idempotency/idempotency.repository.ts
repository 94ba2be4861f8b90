import { Injectable } from '@nestjs/common';
import { IsNull, LessThan, Not, type EntityManager } from 'typeorm';
import { Database } from '../database/database.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';

/** The idempotency records (table `idempotency_records`), one per (caller, key). */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the record unless the caller's key already has one: the unique (caller, key) decides between racing replicas. */
  async insertIfAbsent(manager: EntityManager, record: IdempotencyRecord): Promise<boolean> {
    const [sql, parameters] = manager
      .createQueryBuilder()
      .insert()
      .into(IdempotencyRecord)
      .values(record)
      .orIgnore()
      .getQueryAndParameters();
    // TypeORM's InsertResult does not say whether ON CONFLICT DO NOTHING inserted; the driver's row count does.
    return (await manager.queryRunner!.query(sql, parameters, true)).affected === 1;
  }

  find(manager: EntityManager, caller: string, callerKey: string): Promise<IdempotencyRecord | null> {
    return manager.findOneBy(IdempotencyRecord, { caller, callerKey });
  }

  /**
   * Takes over an in-flight record whose lease expired (its holder crashed or gave up): only one taker
   * wins, as the update requires the lease it saw. `upstreamRequest` fills in a record that has none.
   */
  async takeOver(
    manager: EntityManager,
    record: IdempotencyRecord,
    leaseExpiresAt: Date,
    now: Date,
    upstreamRequest?: string,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(IdempotencyRecord)
      .set({
        leaseExpiresAt,
        attempts: record.attempts + 1,
        updatedAt: now,
        ...(record.upstreamRequest === null && upstreamRequest ? { upstreamRequest } : {}),
      })
      .where('id = :id AND state = :state AND lease_expires_at = :lease', {
        id: record.id,
        state: 'in_flight',
        lease: record.leaseExpiresAt,
      })
      .execute();
    return result.affected === 1;
  }

  /**
   * Stores the final answer for replay and drops the sealed request, if the record is still this holder's
   * (in flight, at its attempt); false when another took it over meanwhile. A record answered already (a
   * payment that waited for approval) keeps its first answer.
   */
  async complete(
    manager: EntityManager,
    record: Pick<IdempotencyRecord, 'id' | 'attempts' | 'responseStatus'>,
    status: number,
    body: unknown,
    now: Date,
  ): Promise<boolean> {
    const answer = record.responseStatus === null ? { responseStatus: status, responseBody: JSON.stringify(body) } : {};
    const result = await manager.update(
      IdempotencyRecord,
      { id: record.id, state: 'in_flight', attempts: record.attempts },
      { state: 'completed', ...answer, upstreamRequest: null, updatedAt: now },
    );
    return result.affected === 1;
  }

  /** Answers the holder's record without sending it (awaiting approval): the request stays sealed for later. */
  async hold(
    manager: EntityManager,
    record: Pick<IdempotencyRecord, 'id' | 'attempts'>,
    status: number,
    body: unknown,
    now: Date,
  ): Promise<boolean> {
    const result = await manager.update(
      IdempotencyRecord,
      { id: record.id, state: 'in_flight', attempts: record.attempts },
      { state: 'held', responseStatus: status, responseBody: JSON.stringify(body), updatedAt: now },
    );
    return result.affected === 1;
  }

  /** A held record taken up to be sent (its approval is complete): in flight, under a new lease; null if not held. */
  async resume(manager: EntityManager, id: string, leaseExpiresAt: Date, now: Date): Promise<IdempotencyRecord | null> {
    const record = await manager.findOneBy(IdempotencyRecord, { id, state: 'held' });
    if (!record) return null;
    const changes = { state: 'in_flight' as const, leaseExpiresAt, attempts: record.attempts + 1, updatedAt: now };
    const result = await manager.update(IdempotencyRecord, { id, state: 'held', attempts: record.attempts }, changes);
    return result.affected === 1 ? Object.assign(record, changes) : null;
  }

  /** The held record of what a request created (a payment or an ACH batch that waits: for approval, or for its window). */
  held(manager: EntityManager, resourceId: string): Promise<IdempotencyRecord | null> {
    return manager.findOneBy(IdempotencyRecord, { resourceId, state: 'held' });
  }

  /** A held record that will never be sent (rejected, expired, cancelled): completed, its sealed request dropped. */
  async settle(manager: EntityManager, id: string, now: Date): Promise<void> {
    await manager.update(IdempotencyRecord, { id, state: 'held' }, { state: 'completed', upstreamRequest: null, updatedAt: now });
  }

  /**
   * Ends the holder's lease now: the next retry, or the recovery job, may take the record over at once. Only
   * the holder's own attempt is released: a holder whose lease lapsed and was taken over leaves it alone.
   */
  async release(manager: EntityManager, record: Pick<IdempotencyRecord, 'id' | 'attempts'>, now: Date): Promise<void> {
    await manager.update(
      IdempotencyRecord,
      { id: record.id, state: 'in_flight', attempts: record.attempts },
      { leaseExpiresAt: now, updatedAt: now },
    );
  }

  /** In-flight records whose holder is gone (lease expired) and that can be re-sent, oldest lease first. */
  abandoned(now: Date, limit: number): Promise<IdempotencyRecord[]> {
    return this.db.reader.find(IdempotencyRecord, {
      where: { state: 'in_flight', leaseExpiresAt: LessThan(now), upstreamRequest: Not(IsNull()) },
      order: { leaseExpiresAt: 'ASC' },
      take: limit,
    });
  }

  /** Completed records past their retention; one still in flight is kept until it is resolved. */
  async purgeExpired(manager: EntityManager, now: Date): Promise<number> {
    return (await manager.delete(IdempotencyRecord, { state: 'completed', expiresAt: LessThan(now) })).affected ?? 0;
  }
}
