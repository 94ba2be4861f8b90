import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Database } from '../database/database.js';
import { JobLease } from './job-lease.entity.js';

/**
 * One run of a job at a time across replicas, on SQLite and PostgreSQL alike: a row per job, taken by a
 * conditional update that only one process wins while the lease is live. A holder that dies stops
 * renewing; its lease expires and the next run takes over.
 */
@Injectable()
export class Leases {
  /** This process, as it appears in leases and runs. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  acquire(name: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(JobLease)
        .values({ name, holder: '', expiresAt: new Date(0) })
        .orIgnore()
        .execute();
      const taken = await manager
        .createQueryBuilder()
        .update(JobLease)
        .set({ holder: this.holder, expiresAt: new Date(now.getTime() + ttlMs) })
        .where('name = :name AND expires_at < :now', { name, now })
        .execute();
      return taken.affected === 1;
    });
  }

  /** Extends a lease this process holds; false when it was lost (it expired and another took it). */
  async renew(name: string, ttlMs: number): Promise<boolean> {
    const until = new Date(this.clock.now().getTime() + ttlMs);
    const result = await this.db.transaction((manager) => manager.update(JobLease, { name, holder: this.holder }, { expiresAt: until }));
    return result.affected === 1;
  }

  async release(name: string): Promise<void> {
    await this.db.transaction((manager) => manager.update(JobLease, { name, holder: this.holder }, { expiresAt: new Date(0) }));
  }
}
