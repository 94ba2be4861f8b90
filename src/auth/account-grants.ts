import { Injectable } from '@nestjs/common';
import { AccountForbiddenError } from '../common/errors/gateway-errors.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { grantOf, holds, type AccountGrant } from './grants.js';

/** Who asks: the caller's sub and roles (an `AuditActor` or a `Caller`). */
export interface Grantee {
  sub: string;
  roles?: readonly string[];
}

/**
 * The accounts each caller may read and debit (`grants:` of `roles.yaml`, contract §13). Checked before
 * anything is sent to QBank or recorded: a refusal is 403 `GW_ACCOUNT_FORBIDDEN` naming the account (and,
 * like every call, audited).
 */
@Injectable()
export class AccountGrants {
  constructor(private readonly config: GatewayConfig) {}

  of(caller: Grantee): AccountGrant {
    return grantOf(this.config.grants, caller.sub, caller.roles ?? []);
  }

  canRead(caller: Grantee, accountId: string): boolean {
    return holds(this.of(caller).read, accountId);
  }

  assertRead(caller: Grantee, ...accountIds: (string | undefined)[]): void {
    const grant = this.of(caller);
    for (const id of accountIds) if (id !== undefined && !holds(grant.read, id)) throw new AccountForbiddenError(id, 'read');
  }

  assertDebit(caller: Grantee, accountId: string): void {
    if (!holds(this.of(caller).debit, accountId)) throw new AccountForbiddenError(accountId, 'debit');
  }

  /** The accounts a list may show: undefined for every account, else these ids (maybe none). */
  readable(caller: Grantee): string[] | undefined {
    const { read } = this.of(caller);
    return read === '*' ? undefined : [...read];
  }
}
