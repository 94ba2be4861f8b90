import { loadConfig } from '../config/gateway-config.js';
import { grantOf, holds, parseGrants } from './grants.js';
import { scopesForRoles, unknownScopes } from './roles.js';

// Widening a role must be a deliberate change: this pins the shipped table of config/roles.yaml.
const SHIPPED: Record<string, string[]> = {
  'treasury-viewer': [
    'accounts.read',
    'balances.read',
    'transactions.read',
    'payments.read',
    'positivepay.exceptions.read',
    'events.manage',
  ],
  'ap-clerk': ['payments.read', 'payments.ach.write', 'positivepay.issues.write', 'positivepay.exceptions.read', 'events.manage'],
  'treasury-operator': [
    'accounts.read',
    'balances.read',
    'transactions.read',
    'payments.read',
    'payments.ach.write',
    'payments.wire.write',
    'transfers.write',
    'events.manage',
  ],
  auditor: ['audit.read', 'accounts.read', 'transactions.read', 'payments.read', 'events.manage'],
  'gateway-admin': ['sync.run', 'audit.read', 'events.manage'],
  'payment-approver': ['payments.read', 'payments.approve'],
};

// The shipped grants keep every role on every account: nothing changes until an operator narrows them.
const EVERY_ACCOUNT = { read: '*', debit: '*' };

describe('roles → scopes', () => {
  const { roles, grants } = loadConfig({ NODE_ENV: 'test' });

  it('ships exactly the table of the product contract', () => {
    expect(roles).toEqual(SHIPPED);
    expect(unknownScopes(roles)).toEqual([]);
  });

  it('grants the union of the roles, and nothing for unknown or inherited names', () => {
    expect(scopesForRoles(roles, ['treasury-viewer', 'ap-clerk'])).toEqual(
      new Set([...SHIPPED['treasury-viewer']!, ...SHIPPED['ap-clerk']!]),
    );
    expect(scopesForRoles(roles, ['treasury-viewer']).has('payments.wire.write')).toBe(false);
    expect(scopesForRoles(roles, ['root', 'constructor', '__proto__']).size).toBe(0);
    expect(scopesForRoles(roles, []).size).toBe(0);
  });

  it('spots a misspelt scope in a table', () => {
    expect(unknownScopes({ clerk: ['payments.read', 'payment.wire.write'] })).toEqual(['payment.wire.write']);
  });

  it('ships grants of every account for every shipped role, and names no caller', () => {
    expect(grants?.roles).toEqual(Object.fromEntries(Object.keys(SHIPPED).map((role) => [role, EVERY_ACCOUNT])));
    expect(grants?.callers).toEqual({});
  });
});

describe('account grants', () => {
  const a = '0b0e6c1e-6d8f-4b7a-9a57-3c1e1e1e0001';
  const b = '0b0e6c1e-6d8f-4b7a-9a57-3c1e1e1e0002';
  const { grants } = parseGrants(
    { roles: { viewer: { read: [a] }, clerk: { read: [b], debit: [b] } }, callers: { payroll: { read: [a.toUpperCase()], debit: [] } } },
    ['viewer', 'clerk', 'other'],
  );

  it('unites the roles, and lets a caller entry replace them', () => {
    const both = grantOf(grants, 'svc', ['viewer', 'clerk']);
    expect([holds(both.read, a), holds(both.read, b), holds(both.debit, a), holds(both.debit, b)]).toEqual([true, true, false, true]);
    const payroll = grantOf(grants, 'payroll', ['clerk']);
    expect([holds(payroll.read, a), holds(payroll.read, b), holds(payroll.debit, b)]).toEqual([true, false, false]);
  });

  it('grants nothing to a role it does not list, and everything when roles.yaml has no grants', () => {
    const other = grantOf(grants, 'svc', ['other']);
    expect(holds(other.read, a)).toBe(false);
    expect(holds(grantOf(undefined, 'svc', []).debit, a)).toBe(true);
  });

  it('names what is wrong with a grants section', () => {
    const { problems } = parseGrants({ roles: { nobody: { read: '*' }, viewer: { read: ['not-an-id'], write: '*' } } }, ['viewer']);
    expect(problems).toEqual([
      'config/roles.yaml: grants.roles.nobody: no such role in roles:',
      'config/roles.yaml: grants.roles.viewer.write: must be read or debit',
      "config/roles.yaml: grants.roles.viewer.read: must be '*' or a list of account ids (UUIDs)",
    ]);
  });
});
