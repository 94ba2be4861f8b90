import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module.js';
import { WebhookInboxModule } from './webhook-inbox.module.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({ imports: [PaymentsModule, WebhookInboxModule], controllers: [WebhooksController], providers: [WebhooksService] })
export class WebhooksModule {}
