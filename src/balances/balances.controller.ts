import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiForbiddenResponse,
  ApiGatewayTimeoutResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Balance } from '#qbank/contract';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { BalanceDto } from './balance.dto.js';
import { BalancesService } from './balances.service.js';

@ApiTags('Balances')
@Controller('v1/balances')
export class BalancesController {
  constructor(
    private readonly balances: BalancesService,
    private readonly grants: AccountGrants,
  ) {}

  @Get(':accountId')
  @RequireScope('balances.read')
  @ApiOkResponse({ type: BalanceDto, description: 'The current cash position, from QBank in real time' })
  @ApiNotFoundResponse({ type: StandardErrorDto, description: 'QBank knows no such account (`ERR_ACC_001`)' })
  @ApiServiceUnavailableResponse({ type: StandardErrorDto, description: 'QBank in maintenance; `Retry-After` says when to retry' })
  @ApiBadGatewayResponse({ type: StandardErrorDto, description: 'QBank unreachable or answering garbage' })
  @ApiGatewayTimeoutResponse({ type: StandardErrorDto, description: 'QBank did not answer in time' })
  @ApiForbiddenResponse({ type: StandardErrorDto, description: "Outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`); QBank is not asked" })
  get(@Param('accountId', uuidParam('accountId')) accountId: string, @Actor() actor: AuditActor): Promise<Balance> {
    this.grants.assertRead(actor, accountId);
    return this.balances.balance(accountId);
  }
}
