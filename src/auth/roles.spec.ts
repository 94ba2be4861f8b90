import { loadConfig } from '../config/gateway-config.js';
import { scopesForRoles, unknownScopes } from './roles.js';

// Widening a role must be a deliberate change: this pins the shipped table of config/roles.yaml.
const SHIPPED: Record<string, string[]> = {
  'treasury-viewer': ['accounts.read', 'balances.read', 'transactions.read', 'payments.read', 'positivepay.exceptions.read'],
  'ap-clerk': ['payments.read', 'payments.ach.write', 'positivepay.issues.write', 'positivepay.exceptions.read'],
  'treasury-operator': [
    'accounts.read',
    'balances.read',
    'transactions.read',
    'payments.read',
    'payments.ach.write',
    'payments.wire.write',
    'transfers.write',
  ],
  auditor: ['audit.read', 'accounts.read', 'transactions.read', 'payments.read'],
  'gateway-admin': ['sync.run', 'audit.read'],
};

describe('roles → scopes', () => {
  const { roles } = loadConfig({ NODE_ENV: 'test' });

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
});
