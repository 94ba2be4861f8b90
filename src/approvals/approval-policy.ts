import { parseMinor } from '../common/money.js';

export const PAYMENT_TYPES = ['WIRE', 'TRANSFER', 'ACH'] as const;
export type PolicyPaymentType = (typeof PAYMENT_TYPES)[number];

/** One approval policy of `config/approvals.yaml` (contract §13), as validated at start-up. */
export interface ApprovalPolicy {
  name: string;
  when: {
    type?: PolicyPaymentType;
    /** Minor units: the payment's amount, an ACH batch's total. */
    amountAtLeast?: bigint;
    caller?: string;
    role?: string;
    newBeneficiary?: boolean;
  };
  approvals: number;
  approverRoles: string[];
  expiresAfterHours?: number;
}

const WHEN_FIELDS = ['type', 'amount_at_least', 'caller', 'role', 'new_beneficiary'];
const POLICY_FIELDS = ['name', 'when', 'approvals', 'approver_roles', 'expires_after_hours'];

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The policies of `approvals.yaml` (its parsed content), or the problems found, each naming the policy and
 * the field. `roles`: the role names of `roles.yaml`, which conditions and approvers must name.
 */
export function parseApprovalPolicies(document: unknown, roles: readonly string[]): { policies: ApprovalPolicy[]; problems: string[] } {
  const problems: string[] = [];
  const policies: ApprovalPolicy[] = [];
  if (!isObject(document) || !Array.isArray(document.policies))
    return { policies, problems: ['config/approvals.yaml: must hold `policies:`, a list (`policies: []` for none)'] };
  for (const key of Object.keys(document))
    if (key !== 'policies') problems.push(`config/approvals.yaml: ${key}: is not a setting (only policies:)`);
  const names = new Set<string>();
  for (const [index, raw] of ((document.policies ?? []) as unknown[]).entries()) {
    const name = isObject(raw) && typeof raw.name === 'string' && raw.name.trim() ? raw.name : `#${index + 1}`;
    const problem = (message: string) => problems.push(`config/approvals.yaml: policy ${name}: ${message}`);
    if (!isObject(raw)) {
      problem('must be a mapping');
      continue;
    }
    if (name.startsWith('#')) problem('name: is required');
    else if (names.has(name)) problem('name: is used by another policy');
    names.add(name);
    for (const field of Object.keys(raw)) if (!POLICY_FIELDS.includes(field)) problem(`${field}: is not a policy field`);
    const when = raw.when ?? {};
    const policy: ApprovalPolicy = { name, when: {}, approvals: 0, approverRoles: [] };
    if (!isObject(when)) problem('when: must be a mapping of conditions');
    else {
      for (const field of Object.keys(when)) if (!WHEN_FIELDS.includes(field)) problem(`when.${field}: is not a condition`);
      if (when.type !== undefined) {
        if (PAYMENT_TYPES.includes(when.type as PolicyPaymentType)) policy.when.type = when.type as PolicyPaymentType;
        else problem(`when.type: must be one of ${PAYMENT_TYPES.join(', ')}`);
      }
      if (when.amount_at_least !== undefined) {
        const amount = typeof when.amount_at_least === 'string' && /^\d{1,15}(\.\d{1,2})?$/.test(when.amount_at_least);
        if (amount) policy.when.amountAtLeast = parseMinor(when.amount_at_least as string);
        else problem(`when.amount_at_least: must be an amount as a string ('100000.00')`);
      }
      if (when.caller !== undefined) {
        if (typeof when.caller === 'string' && when.caller) policy.when.caller = when.caller;
        else problem('when.caller: must be a caller id (a sub)');
      }
      if (when.role !== undefined) {
        if (typeof when.role === 'string' && roles.includes(when.role)) policy.when.role = when.role;
        else problem(`when.role: must be a role of roles.yaml (got ${JSON.stringify(when.role)})`);
      }
      if (when.new_beneficiary !== undefined) {
        if (when.new_beneficiary === true) policy.when.newBeneficiary = true;
        else problem('when.new_beneficiary: must be true (leave it out otherwise)');
      }
    }
    if (Number.isInteger(raw.approvals) && (raw.approvals as number) >= 1 && (raw.approvals as number) <= 10)
      policy.approvals = raw.approvals as number;
    else problem('approvals: must be a whole number from 1 to 10');
    const approvers = raw.approver_roles;
    if (!Array.isArray(approvers) || approvers.length === 0) problem('approver_roles: must list at least one role');
    else
      for (const role of approvers) {
        if (typeof role === 'string' && roles.includes(role)) policy.approverRoles.push(role);
        else problem(`approver_roles: ${JSON.stringify(role)} is not a role of roles.yaml`);
      }
    if (raw.expires_after_hours !== undefined) {
      const hours = raw.expires_after_hours;
      if (Number.isInteger(hours) && (hours as number) >= 1 && (hours as number) <= 24 * 31) policy.expiresAfterHours = hours as number;
      else problem('expires_after_hours: must be a whole number of hours from 1 to 744');
    }
    policies.push(policy);
  }
  return { policies: problems.length ? [] : policies, problems };
}
