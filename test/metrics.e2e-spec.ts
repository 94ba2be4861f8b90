import { randomUUID } from 'node:crypto';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { signWebhook } from './support/sign.js';

/** The value of one series in Prometheus text (0 when absent): `name{label="value",…}` with labels in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length)
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('metrics: /metrics scraped before and after a workload moves by the right amounts', () => {
  let gw: TestGateway;
  let accountId: string;
  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 2 } });
    const viewer = gw.token('erp-reader', ['treasury-viewer']);
    const admin = gw.token('ops', ['gateway-admin']);
    expect((await call(gw, 'POST', '/v1/sync/accounts?wait=true', { token: admin })).status).toBe(202);
    accountId = ((await call(gw, 'GET', '/v1/accounts', { token: viewer })).body.data as { account_id: string }[])[0]!.account_id;
  });
  afterAll(() => gw.close());

  it('counts requests, upstream calls, token fetches, idempotency outcomes, webhooks, syncs and audit writes', async () => {
    const scrape = async () => (await call(gw, 'GET', '/metrics')).body as string;
    const before = await scrape();
    const viewer = gw.token('erp-reader', ['treasury-viewer']);
    const operator = gw.token('treasury-ops', ['treasury-operator']);
    for (let i = 0; i < 3; i += 1) expect((await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer })).status).toBe(200);
    const wire = {
      debtor_account_id: accountId,
      amount: '10.00',
      currency: 'USD',
      creditor: { name: 'Globex', routing_number: '021000021', account_number: '123456789' },
    };
    const key = randomUUID();
    const post = (body: unknown) => call(gw, 'POST', '/v1/payments/wire', { token: operator, body, headers: { 'idempotency-key': key } });
    expect((await post(wire)).status).toBe(201);
    expect((await post(wire)).status).toBe(201); // replayed
    expect((await post({ ...wire, amount: '11.00' })).status).toBe(422);
    const forged = '{"event_type":"paymentStatusUpdate"}';
    expect(
      (await call(gw, 'POST', '/v1/webhooks/qbank', { rawBody: forged, headers: { 'webhook-signature': signWebhook(forged, 'wrong') } }))
        .status,
    ).toBe(400);
    const sync = await call(gw, 'POST', '/v1/sync/accounts?wait=true', { token: gw.token('ops', ['gateway-admin']) });
    expect(sync.status).toBe(202);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(delta('gateway_http_requests_total', { route: '/v1/balances/:accountId', method: 'GET', status: '200' })).toBe(3);
    expect(delta('gateway_http_requests_total', { route: '/v1/payments/wire', method: 'POST', status: '201' })).toBe(2);
    expect(delta('gateway_http_requests_total', { route: '/v1/payments/wire', method: 'POST', status: '422' })).toBe(1);
    expect(delta('gateway_upstream_requests_total', { operation: 'GET /balances/:id', outcome: 'success' })).toBe(3);
    expect(delta('gateway_upstream_requests_total', { operation: 'POST /payments/wire', outcome: 'success' })).toBe(1);
    expect(delta('gateway_upstream_request_duration_seconds_count', { operation: 'POST /payments/wire' })).toBe(1);
    expect(delta('gateway_qbank_token_fetches_total', { outcome: 'success' })).toBe(2); // first tokens for balances.read and payments.wire.write
    expect(delta('gateway_idempotency_outcomes_total', { operation: 'wire', outcome: 'new' })).toBe(1);
    expect(delta('gateway_idempotency_outcomes_total', { operation: 'wire', outcome: 'replayed' })).toBe(1);
    expect(delta('gateway_idempotency_outcomes_total', { operation: 'wire', outcome: 'mismatch' })).toBe(1);
    expect(delta('gateway_webhook_deliveries_total', { outcome: 'rejected' })).toBe(1);
    expect(delta('gateway_sync_runs_total', { resource: 'accounts', status: 'succeeded' })).toBe(1);
    expect(delta('gateway_sync_rows_total', { resource: 'accounts', change: 'unchanged' })).toBe(2); // the same two accounts again
    expect(sample(after, 'gateway_sync_data_age_seconds', { resource: 'accounts' })).toBeGreaterThanOrEqual(0);
    expect(after).toMatch(/^gateway_sync_data_age_seconds\{resource="accounts"\} /m);
    expect(after).not.toMatch(/gateway_sync_data_age_seconds\{resource="transactions"\}/); // never synced: no age to report
    expect(delta('gateway_audit_write_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^gateway_audit_backlog \d+$/m);
    // no ids in labels: every label value is a route pattern, an operation, or a fixed word
    expect(after).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});
