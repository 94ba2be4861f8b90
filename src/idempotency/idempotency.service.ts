import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { canonicalJson } from '#qbank/contract';
import { Clock } from '../common/clock.js';
import { errorAnswer } from '../common/errors/error-response.js';
import { GatewayError, GatewayProblem, UpstreamCredentialsError, UpstreamUnavailableError } from '../common/errors/gateway-errors.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { IdempotentAnswer, IdempotentCall } from './idempotent-call.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { parseSealingKeys, RequestSealer } from './request-sealer.js';

/**
 * What claiming a key gives: the record to send (`new`, or `takeover` of one whose holder is gone), the
 * stored answer again (`replay`), or a refusal to send it now (`in-flight`, `mismatch`).
 */
export type Claim =
  | { kind: 'new'; record: IdempotencyRecord }
  | { kind: 'takeover'; record: IdempotencyRecord }
  | { kind: 'replay'; answer: IdempotentAnswer }
  | { kind: 'in-flight' | 'mismatch'; resourceId: string };

const CLAIM_METRIC = { new: 'new', takeover: 'takeover', replay: 'replayed', 'in-flight': 'conflict', mismatch: 'mismatch' } as const;
const RETENTION_SWEEP_MS = 3_600_000;

/**
 * Durable idempotency records, one per (caller, key) (contract §7). A route's service claims its record in
 * the transaction that records what the request creates, sends QBank the record's upstream key, and
 * completes the record with the final answer in the transaction that records QBank's answer. Only final
 * answers are stored: QBank's 2xx and its definitive refusals (400, 404, 422); anything else leaves the
 * record recoverable — by the caller's retry, or by the recovery job.
 */
@Injectable()
export class IdempotencyService implements OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly sealer: RequestSealer;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly db: Database,
    private readonly config: GatewayConfig,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {
    this.sealer = new RequestSealer(parseSealingKeys(config.idempotency.requestKeys));
    // A holder still waiting on QBank past its lease can be taken over: harmless (the same upstream key), but noisy.
    const callBudgetMs = config.qbank.timeoutMs * (config.qbank.maxRetries + 1);
    if (config.idempotency.leaseSeconds * 1000 < callBudgetMs)
      this.logger.warn(
        { lease_seconds: config.idempotency.leaseSeconds, qbank_call_budget_ms: callBudgetMs },
        'IDEMPOTENCY_LEASE_SECONDS is shorter than a QBank call with its retries may take',
      );
    this.sweeper = setInterval(
      () => void this.purgeExpired().catch((err: unknown) => this.logger.warn({ err }, 'idempotency sweep failed')),
      RETENTION_SWEEP_MS,
    );
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Claims the caller's key for `request` (the validated body: its canonical JSON is the fingerprint) in the
   * caller's transaction; `upstream` is what QBank will be sent, sealed into the record for re-sending.
   */
  async claim(manager: EntityManager, call: IdempotentCall, request: object, upstream: unknown): Promise<Claim> {
    const claim = await this.decide(manager, call, request, upstream);
    this.metrics.idempotency.labels(call.operation, CLAIM_METRIC[claim.kind]).inc();
    return claim;
  }

  private async decide(manager: EntityManager, call: IdempotentCall, request: object, upstream: unknown): Promise<Claim> {
    const now = this.clock.now();
    const fingerprint = fingerprintOf(call, request);
    const id = randomUUID();
    const record: IdempotencyRecord = {
      id,
      caller: call.caller.sub,
      callerKey: call.key,
      operation: call.operation,
      fingerprint,
      upstreamKey: randomUUID(),
      resourceId: randomUUID(),
      state: 'in_flight',
      leaseExpiresAt: this.leaseFrom(now),
      attempts: 1,
      responseStatus: null,
      responseBody: null,
      upstreamRequest: this.sealer.seal(JSON.stringify(upstream), id),
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + this.config.idempotency.retentionHours * 3_600_000),
    };
    if (await this.records.insertIfAbsent(manager, record)) return { kind: 'new', record };
    const existing = (await this.records.find(manager, call.caller.sub, call.key))!;
    const settled = answered(existing, call, fingerprint);
    if (settled) return settled;
    if (existing.leaseExpiresAt > now) return { kind: 'in-flight', resourceId: existing.resourceId };
    const lease = this.leaseFrom(now);
    // Records written by earlier versions of the gateway hold no sealed request: the retry's own is kept.
    const sealed = existing.upstreamRequest ?? this.sealer.seal(JSON.stringify(upstream), existing.id);
    if (!(await this.records.takeOver(manager, existing, lease, now, sealed)))
      return { kind: 'in-flight', resourceId: existing.resourceId };
    return { kind: 'takeover', record: { ...existing, leaseExpiresAt: lease, attempts: existing.attempts + 1, upstreamRequest: sealed } };
  }

  /**
   * The answer to a claim that must not be sent (again): the stored answer, or the problem — 409 while the
   * original is in flight, 422 for a key reused with another body.
   */
  answerWithoutSending(claim: Exclude<Claim, { kind: 'new' } | { kind: 'takeover' }>): IdempotentAnswer {
    switch (claim.kind) {
      case 'replay':
        return claim.answer;
      case 'in-flight':
        throw inFlight(claim.resourceId);
      case 'mismatch':
        throw new GatewayProblem(
          422,
          'idempotency-key-reuse',
          'Idempotency key reused',
          'This Idempotency-Key was already used with a different request body',
          claim.resourceId,
        );
    }
  }

  /** What QBank is sent for this record, as it was when the record was claimed. */
  upstreamRequest<T>(record: IdempotencyRecord): T {
    if (!record.upstreamRequest) throw new Error(`idempotency record ${record.id} holds no request to send`);
    return JSON.parse(this.sealer.open(record.upstreamRequest, record.id)) as T;
  }

  /**
   * Stores the final answer in the caller's transaction (and drops the sealed request); returns it. Only
   * the record's holder completes it: when another took it over meanwhile (this holder outlived its lease),
   * this transaction must not commit what it recorded a second time — it throws, and the caller is told the
   * request is in flight (its retry gets the other's answer).
   */
  async complete(
    manager: EntityManager,
    record: Pick<IdempotencyRecord, 'id' | 'attempts' | 'responseStatus' | 'resourceId'>,
    status: number,
    body: unknown,
  ): Promise<IdempotentAnswer> {
    if (!(await this.records.complete(manager, record, status, body, this.clock.now()))) throw new TakenOver(record.resourceId);
    return { status, body, replayed: false, resourceId: record.resourceId };
  }

  /**
   * A failed QBank call of this record. QBank's definitive refusal (400, 404, 422) is final: `onRefusal`
   * records its consequences and the answer is stored for replay, in one transaction. Anything else (5xx,
   * 408, 425, 429, our credentials refused, a timeout, QBank's own 409 for a key still in flight) leaves the
   * outcome unknown: the record is released for the next retry or the recovery job, and the caller is told
   * to retry later (503, or 429, with `Retry-After`; QBank's 409 as ours, naming the gateway's id).
   * Always throws the error the caller gets.
   */
  async failed(
    record: IdempotencyRecord,
    error: unknown,
    requestId: string,
    onRefusal: (manager: EntityManager) => Promise<void>,
  ): Promise<never> {
    if (!isDefinitiveRefusal(error)) {
      await this.release(record);
      throw outcomeUnknown(error, record.resourceId);
    }
    await this.recording(record, () =>
      this.db.transaction(async (manager) => {
        await onRefusal(manager);
        const answer = errorAnswer(error, requestId);
        await this.complete(manager, record, answer.status, answer.body);
      }),
    );
    throw error;
  }

  /**
   * Records what QBank answered (`record`: the transaction that does). Should that fail, QBank has the
   * request but the gateway has not written down its answer: the record is released (QBank answers the
   * same key with the same result) and the caller told to retry later.
   */
  async recording<T>(record: IdempotencyRecord, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof TakenOver) throw inFlight(error.resourceId);
      this.logger.error(
        { err: error, operation: record.operation, resource_id: record.resourceId },
        "QBank's answer not recorded; the record is left to a retry",
      );
      await this.release(record);
      throw new UpstreamUnavailableError(
        "QBank's answer could not be recorded yet; the outcome is kept: retry with the same Idempotency-Key",
        2,
      );
    }
  }

  /**
   * Answers a claimed record without sending it (the payment awaits approval), in the caller's transaction:
   * replays give this answer; `resume` takes the record up to send it, `settle` ends it unsent.
   */
  async hold(manager: EntityManager, record: IdempotencyRecord, status: number, body: unknown): Promise<IdempotentAnswer> {
    if (!(await this.records.hold(manager, record, status, body, this.clock.now()))) throw new TakenOver(record.resourceId);
    return { status, body, replayed: false, resourceId: record.resourceId };
  }

  /** A held record, in flight under a new lease, to be sent now (`undefined`: it is not held). */
  async resume(manager: EntityManager, recordId: string): Promise<IdempotencyRecord | undefined> {
    const now = this.clock.now();
    return (await this.records.resume(manager, recordId, this.leaseFrom(now), now)) ?? undefined;
  }

  /** The id of the held record that created `resourceId` (undefined: none is held). */
  async heldFor(manager: EntityManager, resourceId: string): Promise<string | undefined> {
    return (await this.records.held(manager, resourceId))?.id;
  }

  /** A held record that will never be sent: completed, keeping its answer, its sealed request dropped. */
  settle(manager: EntityManager, recordId: string): Promise<void> {
    return this.records.settle(manager, recordId, this.clock.now());
  }

  /** Ends this holder's lease at once, best effort (should the database be down, the lease simply expires). */
  private async release(record: IdempotencyRecord): Promise<void> {
    await this.db
      .transaction((manager) => this.records.release(manager, record, this.clock.now()))
      .catch((err: unknown) =>
        this.logger.warn({ err, resource_id: record.resourceId }, 'idempotency record not released; its lease will expire'),
      );
  }

  /** Records left in flight by a holder that is gone, for the recovery job. */
  abandoned(limit: number): Promise<IdempotencyRecord[]> {
    return this.records.abandoned(this.clock.now(), limit);
  }

  /** Takes over an abandoned record for the recovery job; undefined when a retry or another replica was first. */
  async takeOver(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const now = this.clock.now();
    const lease = this.leaseFrom(now);
    const taken = await this.db.transaction((manager) => this.records.takeOver(manager, record, lease, now));
    return taken ? { ...record, leaseExpiresAt: lease, attempts: record.attempts + 1 } : undefined;
  }

  async purgeExpired(): Promise<number> {
    return this.db.transaction((manager) => this.records.purgeExpired(manager, this.clock.now()));
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.idempotency.leaseSeconds * 1000);
  }
}

const fingerprintOf = (call: IdempotentCall, request: object): string =>
  createHash('sha256')
    .update(`${call.operation}\n${canonicalJson(request)}`)
    .digest('hex');

/** What a stored record answers by itself: a mismatch (another body), or, once completed, its stored answer. */
function answered(existing: IdempotencyRecord, call: IdempotentCall, fingerprint: string): Claim | undefined {
  if (existing.fingerprint !== fingerprint || existing.operation !== call.operation)
    return { kind: 'mismatch', resourceId: existing.resourceId };
  // Answered: completed, or held (awaiting approval) — then also while its approval sends it.
  if (existing.responseStatus === null) return undefined;
  const body = JSON.parse(existing.responseBody ?? 'null') as unknown;
  return { kind: 'replay', answer: { status: existing.responseStatus ?? 200, body, replayed: true, resourceId: existing.resourceId } };
}

/** Another holder took the record over while this one waited on QBank. */
class TakenOver extends Error {
  constructor(readonly resourceId: string) {
    super('the idempotency record was taken over by another holder');
  }
}

const inFlight = (resourceId: string): GatewayProblem =>
  new GatewayProblem(
    409,
    'idempotency-conflict',
    'Idempotency conflict',
    'A request with this Idempotency-Key is still being processed; poll its transaction_id',
    resourceId,
  );

/** QBank refused the request itself (contract §7): the only failures stored as final answers. */
export function isDefinitiveRefusal(error: unknown): boolean {
  return error instanceof GatewayError && (error.status === 400 || error.status === 404 || error.status === 422);
}

const DEFAULT_RETRY_AFTER_SECONDS = 2;

/** The caller's answer when QBank's outcome is not known: retry later with the same key. */
function outcomeUnknown(error: unknown, resourceId: string): Error {
  if (error instanceof GatewayProblem && error.status === 409)
    return new GatewayProblem(409, error.type, error.title, 'QBank is still processing this request; poll its transaction_id', resourceId);
  const retryAfter =
    error instanceof GatewayError
      ? (error.headers['retry-after'] ?? String(DEFAULT_RETRY_AFTER_SECONDS))
      : String(DEFAULT_RETRY_AFTER_SECONDS);
  if (error instanceof GatewayError && error.status === 429)
    return new GatewayError(429, error.errorCode, `${error.message}; retry with the same Idempotency-Key`, { 'retry-after': retryAfter });
  // Our credentials refused at QBank stay a 502 (contract §6); the payment is still recoverable.
  if (error instanceof UpstreamCredentialsError) return error;
  const code = error instanceof GatewayError ? error.errorCode : 'GW_UPSTREAM_UNAVAILABLE';
  const reason = error instanceof Error ? error.message : 'QBank failed';
  return new GatewayError(503, code, `${reason}; the outcome is not known yet: retry with the same Idempotency-Key`, {
    'retry-after': retryAfter,
  });
}
