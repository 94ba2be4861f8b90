import type { ApprovalDecision, ApprovalRequest, ApprovalStatus } from './approval.entity.js';

/** What a payment (or an ACH batch) that matched approval policies shows of its approval (contract §13). */
export interface ApprovalFields {
  approval_status: ApprovalStatus;
  approvals_required: number;
  approver_roles: string[];
  approval_policies: string[];
  expires_at: string;
  approvals: { approver: string; at: string; comment: string | null }[];
  rejection: { approver: string; at: string; reason: string | null } | null;
}

export function approvalFields(request: ApprovalRequest, decisions: readonly ApprovalDecision[]): ApprovalFields {
  const own = decisions.filter((d) => d.resourceId === request.resourceId);
  const rejection = own.find((d) => d.decision === 'reject');
  return {
    approval_status: request.status,
    approvals_required: request.required,
    approver_roles: request.approverRoles.split(','),
    approval_policies: request.policies.split(','),
    expires_at: request.expiresAt.toISOString(),
    approvals: own
      .filter((d) => d.decision === 'approve')
      .map((d) => ({ approver: d.approver, at: d.at.toISOString(), comment: d.comment })),
    rejection: rejection ? { approver: rejection.approver, at: rejection.at.toISOString(), reason: rejection.comment } : null,
  };
}

/** An entry of `GET /v1/approvals`: what is to be decided, and how far it got. */
export interface PendingApprovalView extends ApprovalFields {
  payment_id: string;
  type: string;
  amount: string;
  currency: string;
  debtor_account_id: string;
  initiated_by: string;
  created_at: string;
}
