import { QBankTokenError } from '#qbank/client';
import { GatewayError, GatewayProblem, UpstreamCredentialsError, UpstreamTimeoutError } from '../common/errors/gateway-errors.js';
import { fromUpstream } from '../common/errors/upstream-errors.js';
import { DEV_REQUEST_KEYS, type GatewayConfig } from '../config/gateway-config.js';
import type { Database } from '../database/database.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ManualClock, sqliteDatabase } from '../../test/support/sqlite-database.js';
import type { IdempotentCall } from './idempotent-call.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService, type Claim } from './idempotency.service.js';

const config = {
  idempotency: { leaseSeconds: 30, retentionHours: 24, requestKeys: DEV_REQUEST_KEYS },
  qbank: { timeoutMs: 1000, maxRetries: 1 },
} as GatewayConfig;
const caller = { sub: 'payables', roles: ['treasury-operator'], scopes: new Set<string>() };
const call = (key: string, sub = caller.sub): IdempotentCall => ({ operation: 'wire', caller: { ...caller, sub }, key, requestId: 'r-1' });
const body = { amount: '10.00', creditor: { name: 'Globex', account_number: '123456789' } };
const KEY = '6f2b4a9e-3c1d-4e8f-9a7b-0c5d2e1f3a4b';

describe('IdempotencyService: what claiming a key gives (a real SQLite database)', () => {
  let database: Awaited<ReturnType<typeof sqliteDatabase>>;
  let db: Database;
  let clock: ManualClock;
  let service: IdempotencyService;
  const claim = (c: IdempotentCall, request: object = body): Promise<Claim> =>
    db.transaction((manager) => service.claim(manager, c, request, { ...request, upstream: true }));

  beforeEach(async () => {
    database = await sqliteDatabase();
    db = database.db;
    clock = new ManualClock();
    service = new IdempotencyService(new IdempotencyRepository(db), db, config, new MetricsService(), clock);
  });
  afterEach(async () => {
    service.onModuleDestroy();
    await database.close();
  });

  it('a new key: a record with a fresh upstream key and resource id, the request sealed', async () => {
    const first = await claim(call(KEY));
    expect(first.kind).toBe('new');
    const { record } = first as Extract<Claim, { kind: 'new' }>;
    expect(record).toMatchObject({ caller: 'payables', callerKey: KEY, state: 'in_flight', attempts: 1 });
    expect(record.upstreamKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.upstreamRequest).not.toContain('123456789');
    expect(service.upstreamRequest(record)).toEqual({ ...body, upstream: true });
  });

  it('the same key again: 409 while in flight, a takeover once the lease expired, with the same upstream key', async () => {
    const { record } = (await claim(call(KEY))) as Extract<Claim, { kind: 'new' }>;
    const inFlight = await claim(call(KEY));
    expect(inFlight).toEqual({ kind: 'in-flight', resourceId: record.resourceId });
    expect(() => service.answerWithoutSending(inFlight as Extract<Claim, { kind: 'in-flight' }>)).toThrow(GatewayProblem);
    clock.advance(31_000);
    const takeover = await claim(call(KEY));
    expect(takeover).toMatchObject({ kind: 'takeover', record: { id: record.id, upstreamKey: record.upstreamKey, attempts: 2 } });
    // Only one retry takes it over: the next finds the new lease live.
    expect((await claim(call(KEY))).kind).toBe('in-flight');
  });

  it('a different body with the same key is a mismatch (422), a key of another caller is another record', async () => {
    await claim(call(KEY));
    const mismatch = await claim(call(KEY), { ...body, amount: '11.00' });
    expect(mismatch.kind).toBe('mismatch');
    expect(() => service.answerWithoutSending(mismatch as Extract<Claim, { kind: 'mismatch' }>)).toThrow(
      expect.objectContaining({ status: 422, type: 'idempotency-key-reuse' }),
    );
    expect((await claim(call(KEY, 'payroll'))).kind).toBe('new');
  });

  it('a completed record replays its stored answer, and no longer holds the sealed request', async () => {
    const { record } = (await claim(call(KEY))) as Extract<Claim, { kind: 'new' }>;
    await db.transaction((manager) => service.complete(manager, record, 201, { payment_id: record.resourceId }));
    const replay = await claim(call(KEY));
    expect(replay).toEqual({
      kind: 'replay',
      answer: { status: 201, body: { payment_id: record.resourceId }, replayed: true, resourceId: record.resourceId },
    });
    expect(await db.reader.findOneByOrFail(IdempotencyRecord, { id: record.id })).toMatchObject({
      state: 'completed',
      upstreamRequest: null,
    });
  });

  it('a failure: a definitive refusal is stored for replay; anything else releases the record for the next retry', async () => {
    const { record } = (await claim(call(KEY))) as Extract<Claim, { kind: 'new' }>;
    const refused: string[] = [];
    await expect(
      service.failed(record, new GatewayError(422, 'ERR_PAY_001', 'insufficient funds'), 'r-1', async () => {
        refused.push('recorded');
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(refused).toEqual(['recorded']);
    expect((await claim(call(KEY))).kind).toBe('replay');

    const other = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const second = (await claim(call(other))) as Extract<Claim, { kind: 'new' }>;
    let holder = second.record;
    for (const [error, status] of [
      [new GatewayError(429, 'ERR_RATE_001', 'slow down', { 'retry-after': '60' }), 429],
      [new UpstreamTimeoutError(300), 503],
      [new GatewayError(503, 'ERR_SYS_503', 'maintenance', { 'retry-after': '30' }), 503],
      [new UpstreamCredentialsError('bad client', 'ERR_AUTH_001'), 502],
      // QBank refusing the token the gateway asked for is its configuration, not a refusal of the payment.
      [fromUpstream(new QBankTokenError(400, 'invalid_scope', 'scope not granted', null)), 502],
    ] as const) {
      await expect(service.failed(holder, error, 'r-2', () => Promise.reject(new Error('not a refusal')))).rejects.toMatchObject({
        status,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
      });
      // Released at once: the caller's next retry takes the record over and re-sends it.
      const next = await claim(call(other));
      expect(next).toMatchObject({ kind: 'takeover', record: { upstreamKey: second.record.upstreamKey } });
      holder = (next as Extract<Claim, { kind: 'takeover' }>).record;
    }
    // A holder whose record was taken over neither releases nor completes it: the new holder's lease stands.
    await expect(service.failed(second.record, new UpstreamTimeoutError(300), 'r-2', () => Promise.resolve())).rejects.toMatchObject({
      status: 503,
    });
    expect((await claim(call(other))).kind).toBe('in-flight');
    await expect(db.transaction((manager) => service.complete(manager, second.record, 201, {}))).rejects.toThrow('taken over');
  });
});
