import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import type { Repository } from 'typeorm';
import { QBankClient } from '#qbank/client';
import type { PositivePayIssue } from '#qbank/contract';
import { NotFoundError } from '../common/errors/gateway-errors.js';
import { CONTEXT_KEY, type RequestContext } from '../common/request-context.js';
import { UpstreamCall } from '../common/upstream-call.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { PositivePayIssueEntity } from './positivepay-issue.entity.js';
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

/** Positive Pay issue files: stored before QBank is called, sent with the record's upstream key, tracked to PROCESSED. */
@Injectable()
export class PositivePayService {
  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
    private readonly transactions: TransactionRunner,
    private readonly cls: ClsService,
    @InjectRepository(PositivePayIssueEntity) private readonly issues: Repository<PositivePayIssueEntity>,
  ) {}

  async create(dto: CreatePositivePayIssueDto): Promise<IssueView> {
    const ctx = this.cls.get<RequestContext>(CONTEXT_KEY);
    const { resourceId, upstreamKey, callerKey } = ctx.idempotency!;
    const now = new Date();
    const checks = dto.checks.map((c) => ({ ...c, void: c.void ?? false, status: 'RECEIVED', reason: null }));
    await this.transactions.exclusive(() =>
      this.issues
        .createQueryBuilder()
        .insert()
        .into(PositivePayIssueEntity)
        .values({
          issueId: resourceId,
          qbankIssueId: null,
          accountId: dto.account_id,
          status: 'RECEIVED',
          checks: JSON.stringify(checks),
          actor: ctx.caller!.sub,
          idempotencyKey: callerKey,
          requestId: ctx.requestId,
          createdAt: now,
          updatedAt: now,
        })
        .orIgnore()
        .execute(),
    );
    const answer = (
      await this.upstream.run((call) =>
        this.qbank.createPositivePayIssue(
          { account_id: dto.account_id, checks: dto.checks.map((c) => ({ ...c, void: c.void ?? false })) },
          upstreamKey,
          call,
        ),
      )
    ).data;
    return this.record(resourceId, answer);
  }

  async get(issueId: string): Promise<IssueView> {
    const issue = await this.issues.findOneBy({ issueId });
    if (!issue) throw new NotFoundError(`No Positive Pay issue ${issueId}`);
    if (!issue.qbankIssueId || issue.status === 'PROCESSED') return view(issue);
    const answer = (await this.upstream.run((call) => this.qbank.getPositivePayIssue(issue.qbankIssueId!, call))).data;
    return this.record(issueId, answer);
  }

  private async record(issueId: string, answer: Omit<PositivePayIssue, 'timestamp' | 'actor' | 'request_id'>): Promise<IssueView> {
    await this.transactions.exclusive(() =>
      this.issues.update(
        { issueId },
        { qbankIssueId: answer.issue_id, status: answer.status, checks: JSON.stringify(answer.checks), updatedAt: new Date() },
      ),
    );
    return view(await this.issues.findOneByOrFail({ issueId }));
  }
}
