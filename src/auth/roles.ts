import { QBANK_SCOPES } from '#qbank/contract';

/** The gateway's own scopes, beside QBank's. */
export const GATEWAY_OWN_SCOPES = ['audit.read', 'sync.run', 'payments.approve', 'events.manage'] as const;
export const ALL_SCOPES: readonly string[] = [...QBANK_SCOPES, ...GATEWAY_OWN_SCOPES];
export type GatewayScope = (typeof QBANK_SCOPES)[number] | (typeof GATEWAY_OWN_SCOPES)[number];

/** The scopes a caller holds: the union of its roles' scopes; unknown roles grant nothing. */
export function scopesForRoles(table: Readonly<Record<string, readonly string[]>>, roles: readonly string[]): Set<string> {
  const scopes = new Set<string>();
  for (const role of roles) for (const scope of Object.hasOwn(table, role) ? (table[role] ?? []) : []) scopes.add(scope);
  return scopes;
}

/** Scope names in the table that nobody knows: a typo would silently grant nothing. */
export function unknownScopes(table: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.values(table)
    .flat()
    .filter((scope) => !ALL_SCOPES.includes(scope));
}
