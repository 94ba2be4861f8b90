import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QBankCallObserver } from '#qbank/client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's Prometheus registry (one per application instance). Label values are bounded: route
 * patterns, operations with ids replaced, fixed outcome names — never an id, a caller or a key.
 */
@Injectable()
export class MetricsService implements QBankCallObserver {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time to answer, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Calls to QBank (retries included), by operation and outcome (success, client_error, server_error, timeout, network)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Time of calls to QBank (retries included), by operation',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tokenFetches = new Counter({
    name: 'gateway_qbank_token_fetches_total',
    help: 'OAuth token requests to QBank, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly unpostedPayments = new Gauge({
    name: 'gateway_unposted_payments',
    help: 'Completed payments with no synced posting past their expected settlement date and grace days, at the last check',
    registers: [this.registry],
  });
  readonly coalesced = new Counter({
    name: 'gateway_balance_coalesced_total',
    help: 'Balance requests answered by an identical upstream call already in flight',
    registers: [this.registry],
  });
  readonly idempotency = new Counter({
    name: 'gateway_idempotency_outcomes_total',
    help: 'Idempotent POSTs by operation and outcome (new, takeover, replayed, conflict, mismatch)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'QBank webhook deliveries by outcome (applied, unchanged, refused, pending, duplicate, rejected: a bad signature or body)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookRefusals = new Counter({
    name: 'gateway_webhook_refusals_total',
    help: 'Signed QBank webhooks not applied because their amount or currency differs from the stored payment',
    registers: [this.registry],
  });
  readonly syncRuns = new Counter({
    name: 'gateway_sync_runs_total',
    help: 'Finished sync runs by resource and status',
    labelNames: ['resource', 'status'] as const,
    registers: [this.registry],
  });
  readonly syncRows = new Counter({
    name: 'gateway_sync_rows_total',
    help: 'Rows written by syncs, by resource and change (inserted, updated, unchanged)',
    labelNames: ['resource', 'change'] as const,
    registers: [this.registry],
  });
  readonly auditWrite = new Histogram({
    name: 'gateway_audit_write_seconds',
    help: 'Time to write one batch of audit events',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeHttp(route: string, method: string, status: number, seconds: number): void {
    this.httpRequests.labels(route, method, String(status)).inc();
    this.httpDuration.labels(route, method).observe(seconds);
  }

  call(operation: string, outcome: string, seconds: number): void {
    this.upstreamRequests.labels(operation, outcome).inc();
    this.upstreamDuration.labels(operation).observe(seconds);
  }

  tokenFetch(outcome: string): void {
    this.tokenFetches.labels(outcome).inc();
  }

  /** A gauge whose value is read when Prometheus scrapes (the audit backlog, the age of synced data). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => void | Promise<void>): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        return collect(this);
      },
    });
  }
}
