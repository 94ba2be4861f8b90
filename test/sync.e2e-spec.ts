import { randomUUID } from 'node:crypto';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin, sandboxAccounts } from './support/sandbox-admin.js';

interface Txn {
  transaction_id: string;
  transaction_date: string;
  value_date: string;
  posting_date: string;
  payment_id: string | null;
}

describe('batch-latent data synced into the store (real HTTP, real database)', () => {
  let gw: TestGateway;
  let adminToken: string;
  let viewer: string;

  const sync = async (resource: string) => {
    const answer = await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: adminToken });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ resource, status: 'succeeded' });
    return answer.body as { inserted: number; updated: number; unchanged: number; finished_at: string; pages: number };
  };
  const allTransactions = async (query: string): Promise<Txn[]> => {
    const rows: Txn[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(gw, 'GET', `/v1/transactions?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { token: viewer });
      expect(page.status).toBe(200);
      rows.push(...(page.body.data as Txn[]));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    return rows;
  };

  beforeAll(async () => {
    gw = await startGateway({
      sandbox: { accounts: 20, transactionsPerAccount: 5000, seed: 11 },
      env: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
    });
    adminToken = gw.token('ops', ['gateway-admin']);
    viewer = gw.token('erp', ['treasury-viewer']);
  });
  afterAll(() => gw.close());

  it('before the first sync: 503 GW_DATA_NOT_SYNCED', async () => {
    for (const path of ['/v1/accounts', '/v1/transactions', '/v1/positivepay/exceptions']) {
      const answer = await call(gw, 'GET', path, { token: viewer });
      expect(answer).toMatchObject({ status: 503, body: { error_code: 'GW_DATA_NOT_SYNCED' } });
    }
  });

  it('20 accounts × 5,000 transactions sync completely; a second run inserts and updates nothing', async () => {
    expect(await sync('accounts')).toMatchObject({ inserted: 20, updated: 0 });
    const first = await sync('transactions');
    expect(first).toMatchObject({ inserted: 100_000, updated: 0 });
    expect(await sync('positivepay-exceptions')).toMatchObject({ updated: 0 });

    expect(await sync('accounts')).toMatchObject({ inserted: 0, updated: 0, unchanged: 20 });
    expect(await sync('transactions')).toMatchObject({ inserted: 0, updated: 0 });

    const runs = await call(gw, 'GET', '/v1/sync/runs', { token: adminToken });
    expect(runs.body.data).toHaveLength(5);
    const lastTransactions = (runs.body.data as { resource: string; finished_at: string }[]).find((r) => r.resource === 'transactions')!;
    const page = await call(gw, 'GET', '/v1/transactions?limit=1', { token: viewer });
    expect(page.headers.get('x-data-as-of')).toBe(lastTransactions.finished_at);
  });

  it('accounts come from the store with their age; unknown ids → 404', async () => {
    const list = await call(gw, 'GET', '/v1/accounts?limit=15', { token: viewer });
    expect(list.body.data).toHaveLength(15);
    const rest = await call(gw, 'GET', `/v1/accounts?cursor=${list.body.next_cursor as string}`, { token: viewer });
    expect(rest.body.data).toHaveLength(5);
    expect(list.headers.get('x-data-as-of')).toMatch(/Z$/);
    const one = await call(gw, 'GET', `/v1/accounts/${list.body.data[0].account_id as string}`, { token: viewer });
    expect(one.body).toMatchObject({
      account_id: list.body.data[0].account_id,
      account_number: expect.stringMatching(/^\*+\d{4}$/),
      actor: 'erp',
    });
    expect((await call(gw, 'GET', `/v1/accounts/${randomUUID()}`, { token: viewer })).status).toBe(404);
  });

  it('a page shows each transaction as QBank published it, with the audit fields of the call', async () => {
    const { bankToken, accountIds } = await sandboxAccounts(gw.sandbox.baseUrl);
    const published = new Map<string, Record<string, unknown>>();
    let cursor: string | null = null;
    do {
      const page = (await (
        await fetch(`${gw.sandbox.baseUrl}/transactions?account_id=${accountIds[3]}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: { authorization: `Bearer ${bankToken}` },
        })
      ).json()) as { data: Record<string, unknown>[]; next_cursor: string | null };
      for (const row of page.data) published.set(row.transaction_id as string, row);
      cursor = page.next_cursor;
    } while (cursor);
    expect(published.size).toBe(5000);

    const page = await call(gw, 'GET', `/v1/transactions?account_id=${accountIds[3]}&limit=300`, { token: viewer });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    const rows = page.body.data as Record<string, unknown>[];
    expect(rows).toHaveLength(300);
    for (const row of rows) {
      const qbank = published.get(row.transaction_id as string)!;
      expect(Object.keys(row)).toEqual([
        'transaction_id',
        'account_id',
        'type',
        'direction',
        'amount',
        'currency',
        'description',
        'transaction_date',
        'value_date',
        'posting_date',
        'qbank_payment_id',
        'payment_id',
        'check_number',
        'timestamp',
        'actor',
        'request_id',
      ]);
      expect(row).toEqual({
        transaction_id: qbank.transaction_id,
        account_id: qbank.account_id,
        type: qbank.type,
        direction: qbank.direction,
        amount: qbank.amount,
        currency: qbank.currency,
        description: qbank.description,
        transaction_date: qbank.transaction_date,
        value_date: qbank.value_date,
        posting_date: qbank.posting_date,
        qbank_payment_id: qbank.payment_id,
        payment_id: null,
        check_number: qbank.check_number,
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        actor: 'erp',
        request_id: page.headers.get('x-request-id'),
      });
    }
    // Newest first by posting date, and the cursor carries on from the last row.
    const dates = rows.map((r) => r.posting_date as string);
    expect([...dates].sort().reverse()).toEqual(dates);
    const next = await call(gw, 'GET', `/v1/transactions?account_id=${accountIds[3]}&limit=300&cursor=${page.body.next_cursor as string}`, {
      token: viewer,
    });
    expect((next.body.data as { posting_date: string }[])[0]!.posting_date <= dates.at(-1)!).toBe(true);
    expect(new Set([...rows, ...(next.body.data as typeof rows)].map((r) => r.transaction_id)).size).toBe(600);
  });

  it('filters on each of the three dates return exactly the right rows, every row once', async () => {
    const account = (await call(gw, 'GET', '/v1/accounts?limit=1', { token: viewer })).body.data[0].account_id as string;
    const rows = await allTransactions(`account_id=${account}`);
    expect(rows).toHaveLength(5000);
    expect(new Set(rows.map((r) => r.transaction_id)).size).toBe(5000);
    expect(rows.some((r) => r.value_date < r.posting_date.slice(0, 10))).toBe(true); // back-valued entries

    const days = [...new Set(rows.map((r) => r.posting_date.slice(0, 10)))].sort();
    const from = days[10]!;
    const to = days[14]!;
    for (const field of ['posting_date', 'transaction_date', 'value_date'] as const) {
      const expected = rows.filter((r) => r[field].slice(0, 10) >= from && r[field].slice(0, 10) <= to).map((r) => r.transaction_id);
      const got = await allTransactions(`account_id=${account}&date_field=${field}&from=${from}&to=${to}`);
      expect(got.map((r) => r.transaction_id).sort()).toEqual(expected.sort());
    }
    // a weekend: nothing is value-dated or posted on it, but some was initiated on it
    const saturday = rows.map((r) => r.transaction_date.slice(0, 10)).find((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 6)!;
    const sunday = new Date(Date.parse(`${saturday}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(await allTransactions(`account_id=${account}&date_field=value_date&from=${saturday}&to=${sunday}`)).toHaveLength(0);
    expect(await allTransactions(`account_id=${account}&date_field=posting_date&from=${saturday}&to=${sunday}`)).toHaveLength(0);
    expect(
      (await allTransactions(`account_id=${account}&date_field=transaction_date&from=${saturday}&to=${sunday}`)).length,
    ).toBeGreaterThan(0);
    // a date-time bound is exact and inclusive
    const instant = rows[100]!.posting_date;
    const exact = await allTransactions(`account_id=${account}&from=${encodeURIComponent(instant)}&to=${encodeURIComponent(instant)}`);
    expect(exact.map((r) => r.transaction_id)).toEqual([rows[100]!.transaction_id]);
    expect((await call(gw, 'GET', '/v1/transactions?limit=5000', { token: viewer })).status).toBe(400);
    expect((await call(gw, 'GET', '/v1/transactions?date_field=booking_date', { token: viewer })).status).toBe(400);
  });

  it('new postings appear after the next run, linked to the payment they result from; nothing else changes', async () => {
    const operator = gw.token('treasury-ops', ['treasury-operator']);
    const account = (await call(gw, 'GET', '/v1/accounts?limit=1', { token: viewer })).body.data[0].account_id as string;
    const wire = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        debtor_account_id: account,
        amount: '42.00',
        currency: 'USD',
        creditor: { name: 'Initech', routing_number: '021000021', account_number: '123456789' },
      },
    });
    expect(wire.body.status).toBe('P_COMPLETED');
    await admin(gw.sandbox.url, 'POST', '/sandbox/eod', { transactions_per_account: 2 });
    const run = await sync('transactions');
    expect(run).toMatchObject({ inserted: 20 * 2 + 1, updated: 0 });
    const posted = await allTransactions(`account_id=${account}`);
    const posting = posted.filter((t) => t.payment_id === wire.body.payment_id);
    expect(posting).toHaveLength(1);
    // and the payment shows its posting
    const payment = await call(gw, 'GET', `/v1/payments/${wire.body.payment_id as string}`, { token: operator });
    expect(payment.body.postings).toEqual([
      expect.objectContaining({ transaction_id: posting[0]!.transaction_id, amount: '42.00', direction: 'DEBIT' }),
    ]);
  });

  it('one sync of a resource at a time: a second start while one runs → 409 GW_SYNC_IN_PROGRESS', async () => {
    const [a, b] = await Promise.all([
      call(gw, 'POST', '/v1/sync/transactions', { token: adminToken }),
      call(gw, 'POST', '/v1/sync/transactions', { token: adminToken }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    expect([a, b].find((x) => x.status === 409)!.body).toMatchObject({ error_code: 'GW_SYNC_IN_PROGRESS' });
    // let the running one finish (the next test syncs the same store)
    await eventually(
      async () => {
        const runs = (await call(gw, 'GET', '/v1/sync/runs', { token: adminToken })).body.data as { status: string }[];
        return runs.length > 0 && runs.every((r) => r.status !== 'running') ? true : undefined;
      },
      30_000,
      'the running sync to finish',
    );
  });

  it('an account that disappears upstream is marked closed, not deleted; the scope sync.run is required', async () => {
    await admin(gw.sandbox.url, 'POST', '/sandbox/seed', { accounts: 18, transactions_per_account: 5000, seed: 11 });
    expect(await sync('accounts')).toMatchObject({ inserted: 0, updated: 2 });
    const all = await call(gw, 'GET', '/v1/accounts?limit=100', { token: viewer });
    expect(all.body.data).toHaveLength(20);
    expect((all.body.data as { status: string }[]).filter((a) => a.status === 'CLOSED')).toHaveLength(2);
    expect((await call(gw, 'POST', '/v1/sync/accounts', { token: viewer })).status).toBe(403);
  });
});
