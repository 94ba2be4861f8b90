import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type EntityManager, type Repository } from 'typeorm';
import { GatewayConfig } from '../config/gateway-config.js';
import { RowInserter, stageUpdate } from '../database/row-inserter.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';

export type Claim =
  | { kind: 'new' | 'takeover'; record: IdempotencyRecord }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'in-flight'; resourceId: string }
  | { kind: 'mismatch'; resourceId: string };

const RETENTION_SWEEP_MS = 3_600_000;

/**
 * Durable idempotency records, one per (caller, key). The database decides every race: the record is
 * created by an insert that a unique constraint lets only one replica win, and an abandoned record (its
 * lease expired: the holder crashed) is taken over by a conditional update that only one retry wins.
 */
@Injectable()
export class IdempotencyService implements OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly sweeper: NodeJS.Timeout;
  private readonly claims: RowInserter<IdempotencyRecord>;

  constructor(
    @InjectRepository(IdempotencyRecord) private readonly records: Repository<IdempotencyRecord>,
    private readonly transactions: TransactionRunner,
    private readonly config: GatewayConfig,
  ) {
    this.claims = new RowInserter(records.manager.connection, IdempotencyRecord, { chunk: 1, ignoreConflicts: true, returning: 'id' });
    this.sweeper = setInterval(
      () => void this.purgeExpired().catch((err: unknown) => this.logger.warn({ err }, 'idempotency sweep failed')),
      RETENTION_SWEEP_MS,
    );
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  async claim(caller: string, callerKey: string, operation: string, fingerprint: string): Promise<Claim> {
    const now = new Date();
    const candidate = this.records.create({
      id: randomUUID(),
      caller,
      callerKey,
      operation,
      fingerprint,
      upstreamKey: randomUUID(),
      resourceId: randomUUID(),
      state: 'in_flight',
      leaseExpiresAt: new Date(now.getTime() + this.config.idempotency.leaseSeconds * 1000),
      attempts: 1,
      responseStatus: null,
      responseBody: null,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + this.config.idempotency.retentionHours * 3_600_000),
    });
    // One statement says whether this insert won (the unique (caller, key) decides between racing replicas).
    const inserted = await this.transactions.exclusive(() => this.claims.insertReturning<{ id: string }>([candidate]));
    if (inserted.length === 1) return { kind: 'new', record: candidate };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const existing = await this.records.findOneByOrFail({ caller, callerKey });
      if (existing.fingerprint !== fingerprint || existing.operation !== operation)
        return { kind: 'mismatch', resourceId: existing.resourceId };
      if (existing.state === 'completed') {
        return { kind: 'replay', status: existing.responseStatus ?? 200, body: JSON.parse(existing.responseBody ?? 'null') as unknown };
      }
      if (existing.leaseExpiresAt.getTime() > Date.now()) return { kind: 'in-flight', resourceId: existing.resourceId };
      const lease = new Date(Date.now() + this.config.idempotency.leaseSeconds * 1000);
      const taken = await this.transactions.exclusive(() =>
        this.records
          .createQueryBuilder()
          .update(IdempotencyRecord)
          .set({ leaseExpiresAt: lease, attempts: existing.attempts + 1, updatedAt: new Date() })
          .where('id = :id AND state = :state AND lease_expires_at = :lease', {
            id: existing.id,
            state: 'in_flight',
            lease: existing.leaseExpiresAt,
          })
          .execute(),
      );
      if (taken.affected === 1)
        return { kind: 'takeover', record: { ...existing, leaseExpiresAt: lease, attempts: existing.attempts + 1 } };
      // Someone else took it over or finished it meanwhile: look again.
    }
    return { kind: 'in-flight', resourceId: (await this.records.findOneByOrFail({ caller, callerKey })).resourceId };
  }

  /** Stores a final answer (QBank's 2xx or 4xx) for replay. */
  async complete(record: IdempotencyRecord, status: number, body: unknown): Promise<void> {
    await this.transactions.exclusive(() =>
      this.records.update(
        { id: record.id },
        { state: 'completed', responseStatus: status, responseBody: JSON.stringify(body), updatedAt: new Date() },
      ),
    );
  }

  /** Stores a final answer within the caller's transaction (see `RequestContext.idempotency.completeWithin`). */
  async completeWithin(manager: EntityManager, record: IdempotencyRecord, status: number, body: unknown): Promise<void> {
    await stageUpdate(
      manager,
      IdempotencyRecord,
      { id: record.id },
      { state: 'completed', responseStatus: status, responseBody: JSON.stringify(body), updatedAt: new Date() },
    );
  }

  /** No final answer (5xx, timeout, QBank's own 409): the next retry may take over at once. */
  async release(record: IdempotencyRecord): Promise<void> {
    await this.transactions.exclusive(() =>
      this.records.update({ id: record.id, state: 'in_flight' }, { leaseExpiresAt: new Date(), updatedAt: new Date() }),
    );
  }

  async purgeExpired(): Promise<number> {
    const result = await this.transactions.exclusive(() => this.records.delete({ expiresAt: LessThan(new Date()) }));
    return result.affected ?? 0;
  }
}
