import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreatePositivePayIssueDto } from './positivepay-requests.dto.js';
import { PositivePayService, type IssueView } from './positivepay.service.js';

@ApiTags('Positive Pay')
@Controller('v1/positivepay')
export class PositivePayController {
  constructor(private readonly positivePay: PositivePayService) {}

  @Post('issues')
  @RequireScope('positivepay.issues.write')
  @Idempotent({ operation: 'positivepay_issue', dto: CreatePositivePayIssueDto, status: 202 })
  @ApiAcceptedResponse({ description: "`{ issue_id, status, checks }`: RECEIVED now, PROCESSED after QBank's next batch" })
  issue(@Body() body: CreatePositivePayIssueDto): Promise<IssueView> {
    return this.positivePay.create(body);
  }

  @Get('issues/:issueId')
  @RequireScope('positivepay.issues.write')
  @ApiOkResponse({ description: "The issue file and each check's status, refreshed from QBank until PROCESSED" })
  @ApiNotFoundResponse({ type: StandardErrorDto })
  get(@Param('issueId', uuidParam('issueId')) issueId: string): Promise<IssueView> {
    return this.positivePay.get(issueId);
  }
}
