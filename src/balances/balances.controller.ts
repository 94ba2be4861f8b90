import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Balance } from '#qbank/contract';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { AccountGrants } from '../auth/account-grants.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidUuidAnswer, QBankAnswers } from '../docs/error-answers.js';
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
  @ApiOperation({ summary: "Get an account's balance from QBank" })
  @RequireScope('balances.read')
  @QBankAnswers()
  @ApiOkResponse({ type: BalanceDto, description: 'The current cash position, from QBank in real time' })
  @InvalidUuidAnswer('accountId')
  @ErrorAnswer(403, "Outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`); QBank is not asked")
  @ErrorAnswer(404, 'QBank knows no such account (`ERR_ACC_001`)')
  get(@Param('accountId', uuidParam('accountId')) accountId: string, @Actor() actor: AuditActor): Promise<Balance> {
    this.grants.assertRead(actor, accountId);
    return this.balances.balance(accountId);
  }
}
