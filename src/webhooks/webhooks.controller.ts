import { Controller, Headers, HttpCode, Post, Req, SetMetadata, type RawBodyRequest } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../audit/audit-event.factory.js';
import { Public } from '../auth/public.decorator.js';
import { NO_AUDIT_FIELDS } from '../common/interceptors/audit-fields.interceptor.js';
import { contextOf } from '../common/request-context.js';
import { QBANK_SIGNATURE_SCHEME } from '../docs/swagger.js';
import { ErrorAnswer, JsonBodyAnswers } from '../docs/error-answers.js';
import { WebhooksService, type WebhookOutcome } from './webhooks.service.js';

/** QBank's caller identity in the audit trail. */
const QBANK_CALLER = { sub: 'qbank', roles: [], scopes: new Set<string>() };

@ApiTags('Webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Public, but only signed deliveries count (HMAC over the raw body, see `Webhook-Signature`). */
  @Public(QBANK_SIGNATURE_SCHEME)
  @Post('qbank')
  @ApiOperation({ summary: "Receive QBank's signed webhook deliveries" })
  @HttpCode(200)
  @SetMetadata(NO_AUDIT_FIELDS, true)
  @ApiExcludeEndpoint(false)
  @ApiOkResponse({
    description:
      '`{ received: true, duplicate, applied }`: the event is kept; `applied` once the payment it names is recorded (a duplicate changes nothing)',
  })
  @JsonBodyAnswers()
  @ErrorAnswer(400, 'Missing, malformed, stale or wrong signature (`GW_WEBHOOK_SIGNATURE_INVALID`); nothing is changed')
  receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('webhook-signature') signature: string | undefined,
    @Headers('webhook-event-id') deliveryId: string | undefined,
  ): Promise<WebhookOutcome> {
    const ctx = contextOf(request);
    ctx.caller = QBANK_CALLER;
    return this.webhooks.receive(request.rawBody, signature, deliveryId, actorOf(ctx));
  }
}
