import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { Database } from '../database/database.js';
import { PaymentEntity } from '../payments/payment.entity.js';
import { ApprovalDecision, ApprovalRequest } from './approval.entity.js';

/** Approval requests and their decisions (tables `approval_requests`, `approval_decisions`). */
@Injectable()
export class ApprovalRepository {
  constructor(private readonly db: Database) {}

  async insert(manager: EntityManager, request: ApprovalRequest): Promise<void> {
    await manager.insert(ApprovalRequest, request);
  }

  /**
   * The request, locked until the transaction ends on PostgreSQL (SQLite runs one transaction at a time):
   * two approvers deciding at once take turns, each seeing the other's decision.
   */
  forUpdate(manager: EntityManager, resourceId: string): Promise<ApprovalRequest | null> {
    return manager.findOne(ApprovalRequest, {
      where: { resourceId },
      ...(this.db.postgres ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async update(manager: EntityManager, request: ApprovalRequest): Promise<void> {
    await manager.update(ApprovalRequest, { resourceId: request.resourceId }, { status: request.status, decidedAt: request.decidedAt });
  }

  async insertDecision(manager: EntityManager, decision: ApprovalDecision): Promise<void> {
    await manager.insert(ApprovalDecision, decision);
  }

  decisions(resourceIds: string[], manager: EntityManager = this.db.reader): Promise<ApprovalDecision[]> {
    if (resourceIds.length === 0) return Promise.resolve([]);
    return manager.find(ApprovalDecision, { where: { resourceId: In(resourceIds) }, order: { at: 'ASC', id: 'ASC' } });
  }

  requests(resourceIds: string[], manager: EntityManager = this.db.reader): Promise<ApprovalRequest[]> {
    if (resourceIds.length === 0) return Promise.resolve([]);
    return manager.findBy(ApprovalRequest, { resourceId: In(resourceIds) });
  }

  /** Pending requests past their expiry, oldest first. */
  expired(now: Date, limit: number): Promise<ApprovalRequest[]> {
    return this.db.reader
      .createQueryBuilder(ApprovalRequest, 'r')
      .where('r.status = :pending AND r.expires_at <= :now', { pending: 'pending', now })
      .orderBy('r.expires_at', 'ASC')
      .take(limit)
      .getMany();
  }

  /**
   * Pending, unexpired requests `approver` may decide: not its own, not decided by it yet, naming one of its
   * roles, on an account it may read (`readable`; undefined: every account); newest first, keyset-paginated.
   */
  async decidable(
    approver: { sub: string; roles: readonly string[] },
    readable: string[] | undefined,
    now: Date,
    limit: number,
    cursor?: string,
  ): Promise<{ data: ApprovalRequest[]; next_cursor: string | null }> {
    if (approver.roles.length === 0 || readable?.length === 0) return { data: [], next_cursor: null };
    const q = this.db.reader
      .createQueryBuilder(ApprovalRequest, 'r')
      .where('r.status = :pending AND r.expires_at > :now AND r.initiated_by <> :sub', { pending: 'pending', now, sub: approver.sub })
      .andWhere('NOT EXISTS (SELECT 1 FROM approval_decisions d WHERE d.resource_id = r.resource_id AND d.approver = :sub)');
    // approver_roles is a comma-separated list: match whole names.
    const roleMatch = approver.roles.map((_, i) => `(',' || r.approver_roles || ',') LIKE :role${i} ESCAPE '\\'`).join(' OR ');
    q.andWhere(`(${roleMatch})`, Object.fromEntries(approver.roles.map((role, i) => [`role${i}`, `%,${escapeLike(role)},%`])));
    if (readable) q.andWhere('r.debtor_account_id IN (:...readable)', { readable });
    const after = decodeCursor(cursor, ['instant', 'uuid']);
    if (after) q.andWhere('(r.created_at < :at OR (r.created_at = :at AND r.resource_id < :id))', { at: new Date(after[0]), id: after[1] });
    const rows = await q
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.resource_id', 'DESC')
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { data: page, next_cursor: rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.resourceId]) : null };
  }

  /** Of these fingerprints, those of creditors some payment through this gateway has paid (P_COMPLETED). */
  async paidBefore(manager: EntityManager, fingerprints: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < fingerprints.length; i += 500) {
      const rows = await manager
        .createQueryBuilder(PaymentEntity, 'p')
        .select('DISTINCT p.creditor_fingerprint', 'fingerprint')
        .where('p.creditor_fingerprint IN (:...fingerprints) AND p.status = :completed', {
          fingerprints: fingerprints.slice(i, i + 500),
          completed: 'P_COMPLETED',
        })
        .getRawMany<{ fingerprint: string }>();
      for (const row of rows) known.add(row.fingerprint);
    }
    return known;
  }
}

const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);
