import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { QBankClient } from '#qbank/client';
import type { PositivePayIssue, PositivePayIssueRequest, Unstamped } from '#qbank/contract';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { Clock } from '../common/clock.js';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { stampAuditFields } from '../common/interceptors/audit-fields.interceptor.js';
import { UpstreamCall } from '../common/upstream-call.js';
import { Database } from '../database/database.js';
import type { IdempotencyRecord } from '../idempotency/idempotency-record.entity.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import type { IdempotentAnswer, IdempotentCall } from '../idempotency/idempotent-call.js';
import { PositivePayIssueEntity } from './positivepay-issue.entity.js';
import { PositivePayIssueRepository } from './positivepay-issue.repository.js';
import type { CreatePositivePayIssueDto } from './positivepay-requests.dto.js';

export interface IssueView {
  issue_id: string;
  qbank_issue_id: string | null;
  account_id: string;
  status: string;
  checks: unknown[];
  created_at: string;
  updated_at: string;
}

const view = (issue: PositivePayIssueEntity): IssueView => ({
  issue_id: issue.issueId,
  qbank_issue_id: issue.qbankIssueId,
  account_id: issue.accountId,
  status: issue.status,
  checks: JSON.parse(issue.checks) as unknown[],
  created_at: issue.createdAt.toISOString(),
  updated_at: issue.updatedAt.toISOString(),
});

const issueRequest = (dto: CreatePositivePayIssueDto): PositivePayIssueRequest => ({
  account_id: dto.account_id,
  checks: dto.checks.map((c) => ({ ...c, void: c.void ?? false })),
});

/**
 * Positive Pay issue files, in the same atomic phases as a payment (see `PaymentsService`): claim the key
 * and record the issue (RECEIVED) in one transaction; send it with the record's upstream key; record
 * QBank's answer with the stored answer in one transaction. Then tracked to PROCESSED on reads.
 */
@Injectable()
export class PositivePayService {
  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
    private readonly db: Database,
    private readonly idempotency: IdempotencyService,
    private readonly issues: PositivePayIssueRepository,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreatePositivePayIssueDto, call: IdempotentCall): Promise<IdempotentAnswer> {
    const request = issueRequest(dto);
    const claim = await this.db.transaction(async (manager) => {
      const claim = await this.idempotency.claim(manager, call, dto, request);
      const record =
        claim.kind === 'new' || (claim.kind === 'takeover' && !(await this.issues.exists(manager, claim.record.resourceId)))
          ? claim.record
          : undefined;
      if (record) await this.issues.insert(manager, this.received(record.resourceId, request, call));
      return claim;
    });
    if (claim.kind !== 'new' && claim.kind !== 'takeover') return this.idempotency.answerWithoutSending(claim);
    return this.send(claim.record, { sub: call.caller.sub, requestId: call.requestId });
  }

  private received(issueId: string, request: PositivePayIssueRequest, call: IdempotentCall): PositivePayIssueEntity {
    const now = this.clock.now();
    return {
      issueId,
      qbankIssueId: null,
      accountId: request.account_id,
      status: 'RECEIVED',
      checks: JSON.stringify(request.checks.map((c) => ({ ...c, status: 'RECEIVED', reason: null }))),
      actor: call.caller.sub,
      idempotencyKey: call.key,
      requestId: call.requestId,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Phases 2 and 3 for a claimed record (re-driven alone by a retry's takeover and by the recovery job). */
  async send(record: IdempotencyRecord, by: AuditActor): Promise<IdempotentAnswer> {
    let answer: Unstamped<PositivePayIssue>;
    try {
      const request = this.idempotency.upstreamRequest<PositivePayIssueRequest>(record);
      answer = (await this.upstream.run((context) => this.qbank.createPositivePayIssue(request, record.upstreamKey, context))).data;
    } catch (error) {
      return this.idempotency.failed(record, error, by.requestId ?? randomUUID(), (manager) =>
        this.issues.update(manager, record.resourceId, { status: 'REFUSED', updatedAt: this.clock.now() }),
      );
    }
    return this.idempotency.recording(record, () =>
      this.db.transaction(async (manager) => {
        const issue = await this.recordAnswer(manager, record.resourceId, answer);
        const body = stampAuditFields(view(issue), {
          timestamp: this.clock.now().toISOString(),
          actor: issue.actor,
          request_id: issue.requestId,
        });
        return this.idempotency.complete(manager, record, 202, body);
      }),
    );
  }

  /** An issue, refreshed from QBank until PROCESSED; `mayRead` checks its account first (the caller's grant). */
  async get(issueId: string, mayRead: (accountId: string) => void): Promise<IssueView> {
    const issue = await this.issues.find(issueId);
    if (!issue) throw new NotFoundError(`No Positive Pay issue ${issueId}`);
    mayRead(issue.accountId);
    if (!issue.qbankIssueId || issue.status === 'PROCESSED') return view(issue);
    const answer = (await this.upstream.run((context) => this.qbank.getPositivePayIssue(issue.qbankIssueId!, context))).data;
    return view(await this.db.transaction((manager) => this.recordAnswer(manager, issueId, answer)));
  }

  private async recordAnswer(
    manager: EntityManager,
    issueId: string,
    answer: Unstamped<PositivePayIssue>,
  ): Promise<PositivePayIssueEntity> {
    await this.issues.update(manager, issueId, {
      qbankIssueId: answer.issue_id,
      status: answer.status,
      checks: JSON.stringify(answer.checks),
      updatedAt: this.clock.now(),
    });
    return (await this.issues.find(issueId, manager))!;
  }
}
