import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Database } from '../database/database.js';
import { PositivePayIssueEntity } from './positivepay-issue.entity.js';

/** The Positive Pay issue files sent through the gateway (table `positivepay_issues`). */
@Injectable()
export class PositivePayIssueRepository {
  constructor(private readonly db: Database) {}

  async insert(manager: EntityManager, issue: PositivePayIssueEntity): Promise<void> {
    await manager.insert(PositivePayIssueEntity, issue);
  }

  exists(manager: EntityManager, issueId: string): Promise<boolean> {
    return manager.existsBy(PositivePayIssueEntity, { issueId });
  }

  async update(
    manager: EntityManager,
    issueId: string,
    change: Partial<Pick<PositivePayIssueEntity, 'qbankIssueId' | 'status' | 'checks' | 'updatedAt'>>,
  ): Promise<void> {
    await manager.update(PositivePayIssueEntity, { issueId }, change);
  }

  find(issueId: string, manager: EntityManager = this.db.reader): Promise<PositivePayIssueEntity | null> {
    return manager.findOneBy(PositivePayIssueEntity, { issueId });
  }
}
