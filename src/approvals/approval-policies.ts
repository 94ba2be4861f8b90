import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Caller } from '../common/request-context.js';
import { GatewayConfig } from '../config/gateway-config.js';
import type { ApprovalPolicy } from './approval-policy.js';
import { ApprovalRepository } from './approval.repository.js';

/** A payment (or an ACH batch) as the policies see it. */
export interface ProposedPayment {
  type: 'WIRE' | 'TRANSFER' | 'ACH';
  /** The payment's amount; an ACH batch's total. */
  amountMinor: bigint;
  /** Each creditor's fingerprints under every key (none for a transfer: `BeneficiaryFingerprints.all`), computed when a policy asks. */
  creditors: () => string[][];
}

/** What the matching policies require together. */
export interface ApprovalNeed {
  required: number;
  approverRoles: string[];
  policies: string[];
  expiresAt: Date;
}

/**
 * The approval policies of `approvals.yaml` (contract §13): a rule's conditions are ANDed; when several
 * match, all apply — the highest number of approvals, any role any of them names, the earliest expiry.
 */
@Injectable()
export class ApprovalPolicies {
  constructor(
    private readonly config: GatewayConfig,
    private readonly approvals: ApprovalRepository,
  ) {}

  /**
   * What `payment`, initiated by `initiator` now, needs before it is sent; undefined: nothing. A policy
   * without `expires_after_hours` expires at `cutoffAt` (the cutoff of the payment's execution date,
   * contract §15) when given, else `approvals.defaultExpiryHours` after `now`.
   */
  async need(
    manager: EntityManager,
    initiator: Caller,
    payment: ProposedPayment,
    now: Date,
    cutoffAt?: Date,
  ): Promise<ApprovalNeed | undefined> {
    const candidates = this.config.approvals.policies.filter((policy) => matchesWithoutHistory(policy, initiator, payment));
    if (candidates.length === 0) return undefined;
    // Only a policy on new beneficiaries asks the database (once) whether a creditor was paid before.
    let anyNew: boolean | undefined;
    const matching: ApprovalPolicy[] = [];
    for (const policy of candidates) {
      if (policy.when.newBeneficiary) {
        anyNew ??= await this.anyNewCreditor(manager, payment.creditors());
        if (!anyNew) continue;
      }
      matching.push(policy);
    }
    if (matching.length === 0) return undefined;
    const expiries = matching.map((p) =>
      p.expiresAfterHours === undefined && cutoffAt
        ? cutoffAt.getTime()
        : now.getTime() + (p.expiresAfterHours ?? this.config.approvals.defaultExpiryHours) * 3_600_000,
    );
    return {
      required: Math.max(...matching.map((p) => p.approvals)),
      approverRoles: [...new Set(matching.flatMap((p) => p.approverRoles))],
      policies: matching.map((p) => p.name),
      expiresAt: new Date(Math.min(...expiries)),
    };
  }

  private async anyNewCreditor(manager: EntityManager, creditors: string[][]): Promise<boolean> {
    if (creditors.length === 0) return false;
    const known = await this.approvals.paidBefore(manager, [...new Set(creditors.flat())]);
    return creditors.some((fingerprints) => !fingerprints.some((f) => known.has(f)));
  }
}

function matchesWithoutHistory(policy: ApprovalPolicy, initiator: Caller, payment: ProposedPayment): boolean {
  const { when } = policy;
  if (when.type !== undefined && when.type !== payment.type) return false;
  if (when.amountAtLeast !== undefined && payment.amountMinor < when.amountAtLeast) return false;
  if (when.caller !== undefined && when.caller !== initiator.sub) return false;
  if (when.role !== undefined && !initiator.roles.includes(when.role)) return false;
  // A transfer moves money between the company's own accounts: it has no beneficiary.
  if (when.newBeneficiary && payment.type === 'TRANSFER') return false;
  return true;
}
