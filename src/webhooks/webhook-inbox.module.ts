import { Module } from '@nestjs/common';
import { WebhookInboxRepository } from './webhook-inbox.repository.js';

/** The stored webhooks, shared by the receiver and by the payments that apply the ones that came early. */
@Module({ providers: [WebhookInboxRepository], exports: [WebhookInboxRepository] })
export class WebhookInboxModule {}
