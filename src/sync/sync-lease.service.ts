import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner.js';
import { SyncLease, type SyncResource } from './sync-run.entity.js';

/**
 * One sync of a resource at a time across replicas, on SQLite and PostgreSQL alike: a row per resource,
 * taken by a conditional update that only one process wins while the lease is live. A holder that dies
 * stops renewing; its lease expires and the next run takes over.
 */
@Injectable()
export class SyncLeaseService {
  /** This process, as it appears in leases and runs. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    @InjectRepository(SyncLease) private readonly leases: Repository<SyncLease>,
    private readonly transactions: TransactionRunner,
  ) {}

  async acquire(resource: SyncResource, ttlMs: number): Promise<boolean> {
    const now = new Date();
    const until = new Date(now.getTime() + ttlMs);
    await this.transactions.exclusive(() =>
      this.leases
        .createQueryBuilder()
        .insert()
        .into(SyncLease)
        .values({ resource, holder: '', expiresAt: new Date(0) })
        .orIgnore()
        .execute(),
    );
    const taken = await this.transactions.exclusive(() =>
      this.leases
        .createQueryBuilder()
        .update(SyncLease)
        .set({ holder: this.holder, expiresAt: until })
        .where('resource = :resource AND expires_at < :now', { resource, now })
        .execute(),
    );
    return taken.affected === 1;
  }

  /** Extends a lease this process holds; false when it was lost (it expired and another took it). */
  async renew(resource: SyncResource, ttlMs: number): Promise<boolean> {
    const result = await this.transactions.exclusive(() =>
      this.leases.update({ resource, holder: this.holder }, { expiresAt: new Date(Date.now() + ttlMs) }),
    );
    return result.affected === 1;
  }

  async release(resource: SyncResource): Promise<void> {
    await this.transactions.exclusive(() => this.leases.update({ resource, holder: this.holder }, { expiresAt: new Date(0) }));
  }
}
