import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { canonicalJson } from '#qbank/contract';
import { auditEventFor } from '../audit/audit-event.factory.js';
import { AuditLedger } from '../audit/audit-ledger.js';
import { errorAnswer } from '../common/errors/error-response.js';
import { GatewayError, GatewayProblem } from '../common/errors/gateway-errors.js';
import { stampAuditFields } from '../common/interceptors/audit-fields.interceptor.js';
import { validateBody } from '../common/pipes/validation.pipe.js';
import { contextOf, UUID_V4_PATTERN } from '../common/request-context.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { IDEMPOTENT, type IdempotentOptions } from './idempotent.decorator.js';
import { IdempotencyService } from './idempotency.service.js';
import { ReplayedAnswer } from './replayed-answer.js';

const CLAIM_OUTCOME = { new: 'new', takeover: 'takeover', replay: 'replayed', 'in-flight': 'conflict', mismatch: 'mismatch' } as const;

/**
 * Owns the idempotency record of a transactional POST: checks the key, validates the body (nothing is
 * written for a bad request), fingerprints the canonical body, claims the record (committed before QBank
 * is called), answers replays / 409 / 422 itself, and stores the final answer for replay — together with
 * the outcome and the call's audit event when the service completes it in its own transaction
 * (`completeWithin`) — or releases the record for the next retry when there is no final answer (5xx,
 * timeout, QBank's own 409).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    private readonly ledger: AuditLedger,
    private readonly metrics: MetricsService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const options = this.reflector.get<IdempotentOptions>(IDEMPOTENT, context.getHandler());
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const ctx = contextOf(request);
    const key = request.headers['idempotency-key'];
    if (key === undefined)
      throw new GatewayError(400, 'GW_IDEMPOTENCY_KEY_MISSING', 'Idempotency-Key header is required: a UUID v4, the same on every retry');
    if (typeof key !== 'string' || !UUID_V4_PATTERN.test(key))
      throw new GatewayError(400, 'GW_IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be a UUID v4');
    await validateBody(options.dto, request.body);
    const fingerprint = createHash('sha256')
      .update(`${options.operation}\n${canonicalJson(request.body)}`)
      .digest('hex');
    const claim = await this.idempotency.claim(ctx.caller!.sub, key.toLowerCase(), options.operation, fingerprint);
    this.metrics.idempotency.labels(options.operation, CLAIM_OUTCOME[claim.kind]).inc();
    switch (claim.kind) {
      case 'replay':
        ctx.stamped = true;
        throw new ReplayedAnswer(claim.status, claim.body);
      case 'in-flight':
        throw new GatewayProblem(
          409,
          'idempotency-conflict',
          'Idempotency conflict',
          'A request with this Idempotency-Key is still being processed; poll its transaction_id',
          claim.resourceId,
        );
      case 'mismatch':
        throw new GatewayProblem(
          422,
          'idempotency-key-reuse',
          'Idempotency key reused',
          'This Idempotency-Key was already used with a different request body',
          claim.resourceId,
        );
      case 'new':
      case 'takeover':
        break;
    }
    const { record } = claim;
    ctx.resourceId = record.resourceId;
    let completed: { body: unknown } | undefined;
    ctx.idempotency = {
      upstreamKey: record.upstreamKey,
      resourceId: record.resourceId,
      callerKey: record.callerKey,
      fresh: claim.kind === 'new',
      completeWithin: async (manager, body) => {
        const stamped = stampAuditFields(body, ctx);
        await this.idempotency.completeWithin(manager, record, options.status, stamped);
        await this.ledger.append(manager, [auditEventFor(request, undefined, ctx, options.status)]);
        TransactionRunner.onEnd(manager, (committed) => {
          if (!committed) return;
          completed = { body: stamped };
          ctx.audited = true;
        });
        return stamped;
      },
    };
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            if (completed) {
              ctx.stamped = true;
              return completed.body;
            }
            const stamped = stampAuditFields(body, ctx);
            ctx.stamped = true;
            await this.idempotency.complete(record, options.status, stamped);
            return stamped;
          })(),
        ),
      ),
      catchError((error: unknown) =>
        from(
          (async (): Promise<never> => {
            const isFinal = error instanceof GatewayError && error.status >= 400 && error.status < 500;
            if (isFinal) {
              const answer = errorAnswer(error, ctx.requestId);
              await this.idempotency.complete(record, answer.status, answer.body);
            } else {
              await this.idempotency.release(record);
            }
            throw error;
          })(),
        ),
      ),
    );
  }
}
