import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../audit/actor.decorator.js';
import type { AuditActor } from '../audit/audit-event.factory.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { uuidParam } from '../common/pipes/uuid-param.pipe.js';
import { StandardErrorDto } from '../docs/error.dto.js';
import { CreateEventSubscriptionDto, ListDeliveriesQuery, ListEventsQuery } from './event-subscription.dto.js';
import { EventFeed } from './event-feed.js';
import { EventSubscriptionsService, type DeliveryView, type SubscriptionView } from './event-subscriptions.service.js';

const NOT_FOUND = { type: StandardErrorDto, description: 'No such subscription among those the caller manages (`GW_NOT_FOUND`)' };

@ApiTags('Events')
@Controller('v1/event-subscriptions')
export class EventSubscriptionsController {
  constructor(private readonly subscriptions: EventSubscriptionsService) {}

  @Post()
  @RequireScope('events.manage')
  @ApiCreatedResponse({
    description:
      'The subscription with its `secret` (`whsec_…`), shown this once: deliveries are signed with it per Standard Webhooks. ' +
      'An account in `accounts` that the caller may not read → 403 `GW_ACCOUNT_FORBIDDEN`.',
  })
  create(@Body() body: CreateEventSubscriptionDto, @Actor() actor: AuditActor): Promise<SubscriptionView & { secret: string }> {
    return this.subscriptions.create(body, actor);
  }

  @Get()
  @RequireScope('events.manage')
  @ApiOkResponse({ description: "`{ data, next_cursor }`: the caller's subscriptions (`gateway-admin`: all)" })
  list(@Actor() actor: AuditActor): Promise<{ data: SubscriptionView[]; next_cursor: null }> {
    return this.subscriptions.list(actor);
  }

  @Get(':id')
  @RequireScope('events.manage')
  @ApiOkResponse({ description: 'The subscription, with its `status` (`active` | `disabled`)' })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<SubscriptionView> {
    return this.subscriptions.get(id, actor);
  }

  @Delete(':id')
  @RequireScope('events.manage')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its pending deliveries' })
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<void> {
    await this.subscriptions.remove(id, actor);
  }

  @Post(':id/rotate-secret')
  @RequireScope('events.manage')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The new `secret`, shown this once; the old one keeps signing beside it for 24 hours' })
  @ApiNotFoundResponse(NOT_FOUND)
  rotate(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<SubscriptionView & { secret: string }> {
    return this.subscriptions.rotate(id, actor);
  }

  @Get(':id/deliveries')
  @RequireScope('events.manage')
  @ApiOkResponse({
    description: '`{ data }`: the latest deliveries, newest event first, each with its attempts (status code, latency, error)',
  })
  @ApiNotFoundResponse(NOT_FOUND)
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
  @RequireScope('events.manage')
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
  @RequireScope('events.manage')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description:
      "The event is sent again, from the first attempt, to each of the caller's subscriptions that had it (`gateway-admin`: all)",
  })
  @ApiNotFoundResponse({ type: StandardErrorDto, description: 'No delivery of this event to an active subscription of the caller' })
  redeliver(@Param('id', uuidParam('id')) id: string, @Actor() actor: AuditActor): Promise<{ data: DeliveryView[] }> {
    return this.subscriptions.redeliver(id, actor);
  }
}
