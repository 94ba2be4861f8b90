import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { QBankClientModule } from '#qbank/client';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { ApprovalsModule } from './approvals/approvals.module.js';
import { AuthModule } from './auth/auth.module.js';
import { GrantsModule } from './auth/grants.module.js';
import { BalancesModule } from './balances/balances.module.js';
import { CalendarModule } from './calendar/calendar.module.js';
import { CommonModule } from './common/common.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { AuditFieldsInterceptor } from './common/interceptors/audit-fields.interceptor.js';
import { gatewayValidationPipe } from './common/pipes/validation.pipe.js';
import { CONTEXT_KEY, contextOfRaw } from './common/request-context.js';
import { ConfigModule } from './config/config.module.js';
import { GatewayConfig } from './config/gateway-config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { OutboxModule } from './events/outbox.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MetricsService } from './metrics/metrics.service.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { LeasesModule } from './leases/leases.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { PositivePayModule } from './positivepay/positivepay.module.js';
import { ReconciliationModule } from './reconciliation/reconciliation.module.js';
import { RecoveryModule } from './recovery/recovery.module.js';
import { SchedulingModule } from './scheduling/scheduling.module.js';
import { SyncModule } from './sync/sync.module.js';
import { SyncRunsModule } from './sync/sync-runs.module.js';
import { TransactionsModule } from './transactions/transactions.module.js';
import { TransfersModule } from './transfers/transfers.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClsModule.forRoot({
          global: true,
          middleware: {
            mount: true,
            // The request id is Fastify's (a caller's valid UUID, or a new one); the context object is shared with the request.
            generateId: true,
            idGenerator: (req: { id?: string }) => req.id ?? '',
            setup: (cls, req: Parameters<typeof contextOfRaw>[0]) => cls.set(CONTEXT_KEY, contextOfRaw(req)),
            // No proxy providers or plugins are registered; resolving them anyway costs each request a dynamic
            // import() through the ESM loader (~5% of a page of transactions).
            resolveProxyProviders: false,
            initializePlugins: false,
          },
        }),
        LoggingModule,
        QBankClientModule.forRootAsync({
          connections: config.qbank.connections,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) => ({
            observer: metrics,
            baseUrl: config.qbank.baseUrl,
            clientId: config.qbank.clientId,
            clientSecret: config.qbank.clientSecret,
            timeoutMs: config.qbank.timeoutMs,
            maxRetries: config.qbank.maxRetries,
            guard: {
              failureThreshold: config.qbank.breakerFailures,
              openMs: config.qbank.breakerOpenMs,
              maxConcurrent: config.qbank.maxConcurrent,
              ratePerSecond: config.qbank.ratePerSecond,
              burst: config.qbank.rateBurst,
            },
            onCircuitChange: (operation: string, state: string) =>
              new Logger('QBankCircuit')[state === 'open' ? 'warn' : 'log']({ operation, state }, `QBank circuit ${state}`),
          }),
        }),
        DatabaseModule,
        CommonModule,
        CalendarModule,
        LeasesModule,
        OutboxModule,
        SyncRunsModule,
        AuditModule,
        MetricsModule,
        AuthModule,
        GrantsModule,
        HealthModule,
        IdempotencyModule,
        BalancesModule,
        PaymentsModule,
        ApprovalsModule,
        TransfersModule,
        PositivePayModule,
        WebhooksModule,
        SyncModule,
        RecoveryModule,
        ReconciliationModule,
        SchedulingModule,
        AccountsModule,
        TransactionsModule,
        EventsModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: AuditFieldsInterceptor },
        { provide: APP_PIPE, useFactory: gatewayValidationPipe },
      ],
    };
  }
}
