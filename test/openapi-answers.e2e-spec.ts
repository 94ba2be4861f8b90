import { randomUUID } from 'node:crypto';
import { configDir } from './support/config-dir.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin as admin_, sandboxAccounts } from './support/sandbox-admin.js';

interface Schema {
  properties: Record<string, { $ref?: string; items?: { $ref?: string } }>;
  required?: string[];
}
interface Document {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema & OneOf }> }> }>>;
}
interface OneOf {
  $ref?: string;
  oneOf?: { $ref: string }[];
}
type Body = Record<string, unknown>;

const APPROVAL_FIELDS = [
  'approval_status',
  'approvals_required',
  'approver_roles',
  'approval_policies',
  'expires_at',
  'approvals',
  'rejection',
];
const refName = (ref: string | undefined): string => ref?.split('/').pop() ?? '(none)';

/**
 * The success answers the gateway's OpenAPI document describes (and the caller SDK's types are generated from)
 * are what the views really send: each answer below has exactly the keys of its route's schema — the required
 * ones, and the optional ones this answer is expected to carry — none undocumented, none missing.
 */
describe('success answers have the keys the OpenAPI document gives them (real HTTP)', () => {
  let gw: TestGateway;
  let doc: Document;
  let accounts: string[];
  let operator: string;
  let approver: string;

  /** The schema a route answers `status` with: its `$ref`, or the one of its `oneOf` named. */
  const answerSchema = (method: string, path: string, status: number, oneOf?: string): string => {
    const schema = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    const names = schema?.oneOf ? schema.oneOf.map((s) => refName(s.$ref)) : [refName(schema?.$ref)];
    const name = oneOf ?? names[0]!;
    expect(names).toContain(name);
    return name;
  };
  /** `body` has the required properties of `name` and the optional ones listed, nothing else. */
  const expectKeys = (body: unknown, name: string, optional: string[] = []) => {
    const schema = doc.components.schemas[name]!;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(optional));
    expect({ [name]: Object.keys(body as Body).sort() }).toEqual({ [name]: [...(schema.required ?? []), ...optional].sort() });
  };
  /** The schema of the items of a list property (`data`, `payments`, `checks`). */
  const itemsOf = (name: string, property: string): string => refName(doc.components.schemas[name]!.properties[property]!.items?.$ref);

  const post = (path: string, token: string, body: unknown, key: string | null = randomUUID()) =>
    call(gw, 'POST', path, { token, body, headers: key ? { 'idempotency-key': key } : {} });
  const wire = (amount: string) => ({
    debtor_account_id: accounts[0],
    amount,
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'Invoice 4711',
  });

  beforeAll(async () => {
    gw = await startGateway({
      sandbox: { accounts: 2 },
      env: {
        CONFIG_DIR: configDir({
          'approvals.yaml': {
            policies: [
              {
                name: 'large-wires',
                when: { type: 'WIRE', amount_at_least: '100000.00' },
                approvals: 1,
                approver_roles: ['payment-approver'],
              },
            ],
          },
        }),
      },
    });
    accounts = (await sandboxAccounts(gw.sandbox.baseUrl)).accountIds;
    operator = gw.token('treasury-ops', ['treasury-operator']);
    approver = gw.token('alice', ['payment-approver', 'treasury-viewer']);
    doc = (await call(gw, 'GET', '/docs-json')).body as Document;
  });
  afterAll(() => gw?.close());

  it('a wire, a transfer, a payment read and the list of payments', async () => {
    const sent = await post('/v1/payments/wire', operator, wire('310.00'));
    expect(sent.status).toBe(201);
    expectKeys(sent.body, answerSchema('post', '/v1/payments/wire', 201));

    const transfer = await post('/v1/transfers', operator, {
      from_account_id: accounts[0],
      to_account_id: accounts[1],
      amount: '5.00',
      currency: 'USD',
    });
    expect(transfer.status).toBe(201);
    expectKeys(transfer.body, answerSchema('post', '/v1/transfers', 201));

    const read = await call(gw, 'GET', `/v1/payments/${sent.body.payment_id as string}`, { token: operator });
    expect(read.status).toBe(200);
    expectKeys(read.body, answerSchema('get', '/v1/payments/{paymentId}', 200, 'PaymentDto'), ['postings']);

    const list = await call(gw, 'GET', '/v1/payments?type=WIRE', { token: operator });
    const page = answerSchema('get', '/v1/payments', 200);
    expectKeys(list.body, page);
    const listed = (list.body.data as Body[]).find((p) => p.payment_id === sent.body.payment_id);
    expectKeys(listed, itemsOf(page, 'data'));
  });

  it('an ACH batch, as sent and as read, and its entries', async () => {
    const creditor = { name: 'Jane Doe', routing_number: '021000021', account_number: '123456789', account_type: 'CHECKING' };
    const batch = await post('/v1/payments/ach', operator, {
      debtor_account_id: accounts[0],
      sec_code: 'PPD',
      payments: [{ amount: '12.00', creditor }],
    });
    expect(batch.status).toBe(202);
    const name = answerSchema('post', '/v1/payments/ach', 202);
    expectKeys(batch.body, name);
    expectKeys((batch.body.payments as Body[])[0], itemsOf(name, 'payments'), ['same_day']);

    const read = await call(gw, 'GET', `/v1/payments/${batch.body.batch_id as string}`, { token: operator });
    expect(read.status).toBe(200);
    expectKeys(read.body, answerSchema('get', '/v1/payments/{paymentId}', 200, 'AchBatchDto'));
    expectKeys((read.body.payments as Body[])[0], itemsOf(name, 'payments'), ['same_day']);
  });

  it('a payment awaiting approval, the approvals to decide, and each decision', async () => {
    const held = await post('/v1/payments/wire', operator, wire('150000.00'));
    expect(held.body.status).toBe('P_AWAITING_APPROVAL');
    expectKeys(held.body, answerSchema('post', '/v1/payments/wire', 201), APPROVAL_FIELDS);

    const pending = await call(gw, 'GET', '/v1/approvals', { token: approver });
    const page = answerSchema('get', '/v1/approvals', 200);
    expectKeys(pending.body, page);
    expectKeys(
      (pending.body.data as Body[]).find((a) => a.payment_id === held.body.payment_id),
      itemsOf(page, 'data'),
    );

    const approved = await post(`/v1/payments/${held.body.payment_id as string}/approve`, approver, { comment: 'ok' }, null);
    expect(approved.status).toBe(200);
    expectKeys(approved.body, answerSchema('post', '/v1/payments/{paymentId}/approve', 200, 'PaymentDto'), [
      ...APPROVAL_FIELDS,
      'postings',
    ]);

    const toReject = await post('/v1/payments/wire', operator, wire('150000.00'));
    const rejected = await post(`/v1/payments/${toReject.body.payment_id as string}/reject`, approver, { reason: 'no' }, null);
    expect(rejected.body.status).toBe('P_REJECTED');
    expectKeys(rejected.body, answerSchema('post', '/v1/payments/{paymentId}/reject', 200, 'PaymentDto'), [...APPROVAL_FIELDS, 'postings']);

    const toCancel = await post('/v1/payments/wire', operator, wire('150000.00'));
    const cancelled = await post(`/v1/payments/${toCancel.body.payment_id as string}/cancel`, operator, undefined, null);
    expect(cancelled.body.status).toBe('P_CANCELLED');
    expectKeys(cancelled.body, answerSchema('post', '/v1/payments/{paymentId}/cancel', 200, 'PaymentDto'), [
      ...APPROVAL_FIELDS,
      'postings',
    ]);
  });

  it('a Positive Pay issue, as sent and as read, and its checks', async () => {
    // The void check, once presented, is a Positive Pay exception (read in the next test).
    const checks = [
      { check_number: '10001', amount: '120.00', payee_name: 'Acme Supplies', issue_date: '2026-11-24' },
      { check_number: '10002', amount: '80.00', payee_name: 'Acme Supplies', issue_date: '2026-11-24', void: true },
    ];
    const clerk = gw.token('payables', ['ap-clerk']);
    const issued = await post('/v1/positivepay/issues', clerk, { account_id: accounts[0], checks });
    expect(issued.status).toBe(202);
    const name = answerSchema('post', '/v1/positivepay/issues', 202);
    expectKeys(issued.body, name);
    expectKeys((issued.body.checks as Body[])[0], itemsOf(name, 'checks'));

    const read = await call(gw, 'GET', `/v1/positivepay/issues/${issued.body.issue_id as string}`, { token: clerk });
    expect(read.status).toBe(200);
    expectKeys(read.body, answerSchema('get', '/v1/positivepay/issues/{issueId}', 200));
    expectKeys((read.body.checks as Body[])[0], itemsOf(name, 'checks'));
  });

  it('the synced reads (accounts, transactions, Positive Pay exceptions) and the sync runs, with X-Data-As-Of', async () => {
    const admin = gw.token('ops-admin', ['gateway-admin']);
    const viewer = gw.token('treasury-viewer', ['treasury-viewer', 'ap-clerk']);
    await admin_(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
    await admin_(gw.sandbox.url, 'POST', '/sandbox/eod', { transactions_per_account: 2 });
    for (const resource of ['accounts', 'transactions', 'positivepay-exceptions']) {
      const run = await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: admin });
      expect(run.body).toMatchObject({ status: 'succeeded' });
      expectKeys(run.body, answerSchema('post', '/v1/sync/{resource}', 202));
    }
    const runs = await call(gw, 'GET', '/v1/sync/runs', { token: admin });
    const runPage = answerSchema('get', '/v1/sync/runs', 200);
    expectKeys(runs.body, runPage);
    expectKeys((runs.body.data as Body[])[0], itemsOf(runPage, 'data'));

    for (const path of ['/v1/accounts', '/v1/transactions', '/v1/positivepay/exceptions']) {
      const list = await call(gw, 'GET', path, { token: viewer });
      expect({ path, status: list.status }).toEqual({ path, status: 200 });
      expect(doc.paths[path]!.get!.responses[200]).toMatchObject({ headers: { 'X-Data-As-Of': { schema: { format: 'date-time' } } } });
      expect(list.headers.get('x-data-as-of')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const page = answerSchema('get', path, 200);
      expectKeys(list.body, page);
      expect((list.body.data as Body[]).length).toBeGreaterThan(0);
      for (const item of list.body.data as Body[]) expectKeys(item, itemsOf(page, 'data'));
    }
    const account = await call(gw, 'GET', `/v1/accounts/${accounts[0]!}`, { token: viewer });
    expectKeys(account.body, answerSchema('get', '/v1/accounts/{accountId}', 200));
  });
});
