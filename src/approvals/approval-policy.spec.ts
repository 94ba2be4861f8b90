import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/gateway-config.js';
import { parseApprovalPolicies } from './approval-policy.js';

const ROLES = ['treasury-operator', 'payment-approver'];

describe('approval policies (approvals.yaml)', () => {
  it('reads a policy with every condition', () => {
    const { policies, problems } = parseApprovalPolicies(
      {
        policies: [
          {
            name: 'large-wires',
            when: { type: 'WIRE', amount_at_least: '100000.00', caller: 'erp', role: 'treasury-operator', new_beneficiary: true },
            approvals: 2,
            approver_roles: ['payment-approver'],
            expires_after_hours: 8,
          },
        ],
      },
      ROLES,
    );
    expect(problems).toEqual([]);
    expect(policies).toEqual([
      {
        name: 'large-wires',
        when: { type: 'WIRE', amountAtLeast: 10_000_000n, caller: 'erp', role: 'treasury-operator', newBeneficiary: true },
        approvals: 2,
        approverRoles: ['payment-approver'],
        expiresAfterHours: 8,
      },
    ]);
  });

  it('names the policy and the field of every mistake', () => {
    const { policies, problems } = parseApprovalPolicies(
      {
        policies: [
          { name: 'typo', when: { type: 'WIRES', amount_at_least: 100000, colour: 'red' }, approvals: 0, approver_roles: ['approver'] },
          { when: {}, approvals: 1, approver_roles: ['payment-approver'], expires_after: 3 },
        ],
      },
      ROLES,
    );
    expect(policies).toEqual([]);
    expect(problems).toEqual([
      'config/approvals.yaml: policy typo: when.colour: is not a condition',
      'config/approvals.yaml: policy typo: when.type: must be one of WIRE, TRANSFER, ACH',
      "config/approvals.yaml: policy typo: when.amount_at_least: must be an amount as a string ('100000.00')",
      'config/approvals.yaml: policy typo: approvals: must be a whole number from 1 to 10',
      'config/approvals.yaml: policy typo: approver_roles: "approver" is not a role of roles.yaml',
      'config/approvals.yaml: policy #2: name: is required',
      'config/approvals.yaml: policy #2: expires_after: is not a policy field',
    ]);
  });

  it('stops start-up on a bad policy, read from CONFIG_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qbank-config-'));
    cpSync('config', dir, { recursive: true });
    writeFileSync(
      join(dir, 'approvals.yaml'),
      'policies:\n  - name: big\n    when: { type: WIRE }\n    approvals: 2\n    approver_roles: [cfo]\n',
    );
    expect(() => loadConfig({ NODE_ENV: 'test', CONFIG_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', CONFIG_DIR: dir })).toThrow(
      'policy big: approver_roles: "cfo" is not a role of roles.yaml',
    );
    expect(() => loadConfig({ NODE_ENV: 'test', CONFIG_DIR: join(dir, 'missing') })).toThrow(/CONFIG_DIR: cannot read .*default\.yaml/);
  });

  it('ships no policy: nothing waits until an operator writes one', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).approvals.policies).toEqual([]);
  });
});
