import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { ErrorAnswer, InvalidQueryAnswer, InvalidUuidAnswer, JsonBodyAnswers } from '../docs/error-answers.js';
import { CreateEventSubscriptionDto, ListDeliveriesQuery, ListEventsQuery } from './event-subscription.dto.js';
import { EventFeed } from './event-feed.js';
import { EventSubscriptionsService, type DeliveryView, type SubscriptionView } from './event-subscriptions.service.js';

/** A subscription named in the path, among those the caller manages. */
const SubscriptionInPath = () =>
  applyDecorators(InvalidUuidAnswer('id'), ErrorAnswer(404, 'No such subscription among those the caller manages (`GW_NOT_FOUND`)'));

@ApiTags('Events')
@Controller('v1/event-subscriptions')
export class EventSubscriptionsController {
  constructor(private readonly subscriptions: EventSubscriptionsService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe to events' })
  @RequireScope('events.manage')
  @JsonBodyAnswers()
  @ErrorAnswer(403, "An account in `accounts` is outside the caller's grants (`GW_ACCOUNT_FORBIDDEN`)")
  @ApiCreatedResponse({
    description:
      'The subscription with its `secret` (`whsec_…`), shown this once: deliveries are signed with it per Standard Webhooks. ' +
      'An account in `accounts` that the caller may not read → 403 `GW_ACCOUNT_FORBIDDEN`.',
  })
  create(@Body() body: CreateEventSubscriptionDto, @Actor() actor: AuditActor): Promise<SubscriptionView & { secret: string }> {
    return this.subscriptions.create(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List event subscriptions' })
  @RequireScope('events.manage')
  @ApiOkResponse({ description: "`{ data, next_cursor }`: the caller's subscriptions (`gateway-admin`: all)" })
  list(@Actor() actor: AuditActor): Promise<{ data: SubscriptionView[]; next_cursor: null }> {
    return this.subscriptions.list(actor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an event subscription' })
  @RequireScope('events.manage')
  @ApiOkResponse({ description: 'The subscription, with its `status` (`active` | `disabled`)' })
  @SubscriptionInPath()
  get(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<SubscriptionView> {
    return this.subscriptions.get(id, actor);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete an event subscription' })
  @RequireScope('events.manage')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its pending deliveries' })
  @SubscriptionInPath()
  async remove(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<void> {
    await this.subscriptions.remove(id, actor);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({ summary: "Rotate a subscription's signing secret" })
  @RequireScope('events.manage')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The new `secret`, shown this once; the old one keeps signing beside it for 24 hours' })
  @SubscriptionInPath()
  rotate(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<SubscriptionView & { secret: string }> {
    return this.subscriptions.rotate(id, actor);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "List a subscription's deliveries" })
  @RequireScope('events.manage')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    description: '`{ data }`: the latest deliveries, newest event first, each with its attempts (status code, latency, error)',
  })
  @SubscriptionInPath()
  deliveries(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ListDeliveriesQuery,
    @Actor() actor: AuditActor,
  ): Promise<{ data: DeliveryView[]; next_cursor: null }> {
    return this.subscriptions.deliveries(id, actor, query.limit ?? 100);
  }
}

@ApiTags('Events')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly feed: EventFeed,
    private readonly subscriptions: EventSubscriptionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Read the event feed' })
  @RequireScope('events.manage')
  @InvalidQueryAnswer()
  @ApiOkResponse({
    description:
      '`{ data, next_cursor }`: the events the caller may see, in commit order, each exactly once across pages. ' +
      'Pass `next_cursor` as `after` to continue (it is returned even when the page is empty). Unlike ' +
      '`GET /v1/payments?updated_since=`, which follows timestamps and may skip a change that commits late, ' +
      'this never skips.',
  })
  list(@Query() query: ListEventsQuery, @Actor() actor: AuditActor): Promise<{ data: unknown[]; next_cursor: string | null }> {
    return this.feed.page(actor, query);
  }

  @Post(':id/redeliver')
  @ApiOperation({ summary: 'Redeliver an event' })
  @RequireScope('events.manage')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description:
      "The event is sent again, from the first attempt, to each of the caller's subscriptions that had it (`gateway-admin`: all)",
  })
  @InvalidUuidAnswer('id')
  @ErrorAnswer(404, 'No delivery of this event to an active subscription of the caller (`GW_NOT_FOUND`)')
  redeliver(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<{ data: DeliveryView[] }> {
    return this.subscriptions.redeliver(id, actor);
  }
}
