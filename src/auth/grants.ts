import { UUID_PATTERN } from '../common/request-context.js';

/** Accounts: every one (`'*'`), or these ids (lower-case). */
export type AccountSet = '*' | ReadonlySet<string>;

/** What one role or caller may do with accounts (contract §13). */
export interface AccountGrant {
  read: AccountSet;
  debit: AccountSet;
}

/** `grants:` of `roles.yaml`: by role, and by caller (replacing its roles'). `undefined`: no section, every account. */
export interface GrantsTable {
  roles: Record<string, AccountGrant>;
  callers: Record<string, AccountGrant>;
}

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `grants:` section of `roles.yaml`, or the problems found, each naming the entry. */
export function parseGrants(section: unknown, roles: readonly string[]): { grants?: GrantsTable; problems: string[] } {
  if (section === undefined || section === null) return { problems: [] };
  const problems: string[] = [];
  if (!isObject(section)) return { problems: ['config/roles.yaml: grants: must be a mapping with `roles` and `callers`'] };
  const grants: GrantsTable = { roles: {}, callers: {} };
  for (const field of Object.keys(section))
    if (field !== 'roles' && field !== 'callers') problems.push(`config/roles.yaml: grants.${field}: must be roles or callers`);
  for (const kind of ['roles', 'callers'] as const) {
    const entries = section[kind] ?? {};
    if (!isObject(entries)) {
      problems.push(`config/roles.yaml: grants.${kind}: must be a mapping`);
      continue;
    }
    for (const [name, raw] of Object.entries(entries)) {
      const where = `config/roles.yaml: grants.${kind}.${name}`;
      if (kind === 'roles' && !roles.includes(name)) problems.push(`${where}: no such role in roles:`);
      if (!isObject(raw)) {
        problems.push(`${where}: must be { read: …, debit: … }`);
        continue;
      }
      for (const field of Object.keys(raw))
        if (field !== 'read' && field !== 'debit') problems.push(`${where}.${field}: must be read or debit`);
      const set = (field: 'read' | 'debit'): AccountSet => {
        const value = raw[field] ?? [];
        if (value === '*') return '*';
        if (Array.isArray(value) && value.every((id) => typeof id === 'string' && UUID_PATTERN.test(id)))
          return new Set(value.map((id: string) => id.toLowerCase()));
        problems.push(`${where}.${field}: must be '*' or a list of account ids (UUIDs)`);
        return new Set();
      };
      grants[kind][name] = { read: set('read'), debit: set('debit') };
    }
  }
  return { grants, problems };
}

const union = (a: AccountSet, b: AccountSet): AccountSet => (a === '*' || b === '*' ? '*' : new Set([...a, ...b]));

/** A caller's grant: its own when `callers` names it, else the union of its roles'; no table: every account. */
export function grantOf(table: GrantsTable | undefined, sub: string, roles: readonly string[]): AccountGrant {
  if (!table) return { read: '*', debit: '*' };
  if (Object.hasOwn(table.callers, sub)) return table.callers[sub]!;
  let grant: AccountGrant = { read: new Set(), debit: new Set() };
  for (const role of roles)
    if (Object.hasOwn(table.roles, role))
      grant = { read: union(grant.read, table.roles[role]!.read), debit: union(grant.debit, table.roles[role]!.debit) };
  return grant;
}

export const holds = (set: AccountSet, accountId: string): boolean => set === '*' || set.has(accountId.toLowerCase());

/** Every account id a grants table names (for spotting ids that match no account). */
export function namedAccounts(table: GrantsTable | undefined): Set<string> {
  const ids = new Set<string>();
  for (const grant of table ? [...Object.values(table.roles), ...Object.values(table.callers)] : [])
    for (const set of [grant.read, grant.debit]) if (set !== '*') for (const id of set) ids.add(id);
  return ids;
}
