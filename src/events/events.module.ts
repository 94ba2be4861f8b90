import { Module } from '@nestjs/common';
import { EventDeliveryWorker } from './event-delivery.worker.js';
import { EventFeed } from './event-feed.js';
import { EventSubscriptionsService } from './event-subscriptions.service.js';
import { EventsController, EventSubscriptionsController } from './events.controller.js';
import { EventsRetentionJob } from './events-retention.job.js';

/** Events to internal subscribers (contract §14): subscriptions, the feed, delivery and retention. The outbox is `OutboxModule`. */
@Module({
  controllers: [EventSubscriptionsController, EventsController],
  providers: [EventSubscriptionsService, EventFeed, EventDeliveryWorker, EventsRetentionJob],
  exports: [EventDeliveryWorker, EventsRetentionJob],
})
export class EventsModule {}
