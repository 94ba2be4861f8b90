import { randomUUID } from 'node:crypto';
import { createGatewayClient } from '#gateway/client';
import { eventually } from './support/capture-server.js';
import { call, startGateway, WEBHOOK_SECRET, type TestGateway } from './support/gateway.js';
import { admin } from './support/sandbox-admin.js';
import { signWebhook } from './support/sign.js';

describe('money movement: idempotent end to end, with verified webhooks (real HTTP, real database)', () => {
  let gw: TestGateway;
  let operator: string;
  let accounts: string[];

  const sandboxPayments = async () =>
    (await admin<{ data: { payment_id: string; idempotency_key: string; status: string }[] }>(gw.sandbox.url, 'GET', '/sandbox/payments'))
      .data;
  const count = async (table: string) =>
    Number(((await gw.db.query(`SELECT count(*) AS n FROM ${table}`)) as { n: number | string }[])[0]!.n);
  const wire = (overrides: Record<string, unknown> = {}) => ({
    debtor_account_id: accounts[0],
    amount: '1250.00',
    currency: 'USD',
    creditor: { name: 'Globex Corp', routing_number: '021000021', account_number: '123456789' },
    description: 'Invoice 42',
    ...overrides,
  });
  const post = (path: string, body: unknown, key: string | undefined, token = operator) =>
    call(gw, 'POST', path, { token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });

  beforeAll(async () => {
    gw = await startGateway({ sandbox: { accounts: 3 } });
    operator = gw.token('treasury-ops', ['treasury-operator']);
    const token = (await admin<{ access_token: string }>(gw.sandbox.url, 'GET', '/sandbox/stats')
      .then(() =>
        fetch(`${gw.sandbox.baseUrl}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        }),
      )
      .then((r) => r.json())) as { access_token: string };
    const page = (await (
      await fetch(`${gw.sandbox.baseUrl}/accounts`, { headers: { authorization: `Bearer ${token.access_token}` } })
    ).json()) as { data: { account_id: string }[] };
    accounts = page.data.map((a) => a.account_id);
  });
  afterAll(() => gw.close());

  it('a wire: 201 with the gateway’s id and QBank’s, the full status history, money as strings, the account number masked', async () => {
    const answer = await post('/v1/payments/wire', wire(), randomUUID());
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      payment_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      qbank_payment_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'WIRE',
      status: 'P_COMPLETED',
      amount: '1250.00',
      creditor: { account_number: '*****6789', routing_number: '021000021' },
      actor: 'treasury-ops',
      request_id: answer.headers.get('x-request-id'),
    });
    expect(answer.body.status_history.map((h: { status: string; source: string }) => `${h.status}/${h.source}`)).toEqual([
      'P_PENDING/gateway',
      'P_PROCESSING/api',
      'P_COMPLETED/api',
    ]);
    const failed = await post(
      '/v1/payments/wire',
      wire({ creditor: { name: 'Nobody', routing_number: '021000021', account_number: '55550000' } }),
      randomUUID(),
    );
    expect(failed).toMatchObject({ status: 201, body: { status: 'P_FAILED', failure_reason: expect.any(String) } });
  });

  it('a treasury-viewer may not send a wire: 403 naming payments.wire.write, nothing stored', async () => {
    const before = await count('idempotency_records');
    const answer = await post('/v1/payments/wire', wire(), randomUUID(), gw.token('erp', ['treasury-viewer']));
    expect(answer).toMatchObject({
      status: 403,
      body: { error_code: 'GW_SCOPE_MISSING', message: expect.stringContaining('payments.wire.write') },
    });
    expect(await count('idempotency_records')).toBe(before);
  });

  it('50 concurrent identical wires with one key → one payment at QBank; each caller gets the 201 (original or replayed) or a 409 problem', async () => {
    await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { processing_ms: 300 });
    try {
      const before = (await sandboxPayments()).length;
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 50 }, () => post('/v1/payments/wire', wire(), key)));
      expect((await sandboxPayments()).length - before).toBe(1);
      const created = answers.filter((a) => a.status === 201);
      const conflicts = answers.filter((a) => a.status === 409);
      expect(created.length + conflicts.length).toBe(50);
      expect(created.length).toBeGreaterThanOrEqual(1);
      const paymentId = created[0]!.body.payment_id as string;
      expect(new Set(created.map((a) => a.body.payment_id))).toEqual(new Set([paymentId]));
      for (const conflict of conflicts) {
        expect(conflict.headers.get('content-type')).toContain('application/problem+json');
        expect(conflict.body).toMatchObject({
          status: 409,
          transaction_id: paymentId,
          type: expect.stringContaining('idempotency-conflict'),
        });
      }
      const replay = await post('/v1/payments/wire', wire(), key);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(created.find((a) => a.headers.get('idempotent-replayed') !== 'true')!.body);
    } finally {
      await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { processing_ms: 0 });
    }
  });

  it('same key with another body → 422 problem; missing or malformed key → 400; another caller’s same key → its own payment', async () => {
    const key = randomUUID();
    const first = await post('/v1/payments/wire', wire(), key);
    expect(first.status).toBe(201);
    const mismatch = await post('/v1/payments/wire', wire({ amount: '1250.01' }), key);
    expect(mismatch.headers.get('content-type')).toContain('application/problem+json');
    expect(mismatch.body).toMatchObject({ status: 422, transaction_id: first.body.payment_id });
    expect(await post('/v1/payments/wire', wire(), undefined)).toMatchObject({
      status: 400,
      body: { error_code: 'GW_IDEMPOTENCY_KEY_MISSING' },
    });
    expect(await post('/v1/payments/wire', wire(), 'not-a-uuid')).toMatchObject({
      status: 400,
      body: { error_code: 'GW_IDEMPOTENCY_KEY_INVALID' },
    });
    expect(await post('/v1/payments/wire', wire(), 'a8098c1a-f86e-11da-bd1a-00112444be1e')).toMatchObject({ status: 400 }); // a v1 UUID

    const before = (await sandboxPayments()).length;
    const other = await post('/v1/payments/wire', wire(), key, gw.token('payroll-ops', ['treasury-operator']));
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(other.body.payment_id).not.toBe(first.body.payment_id);
    expect((await sandboxPayments()).length - before).toBe(1);
  });

  it('bad input → 400/413 naming the field, and no record written', async () => {
    const before = { records: await count('idempotency_records'), payments: await count('payments') };
    const refused = async (body: unknown, field: string, status = 400) => {
      const answer = await post('/v1/payments/wire', body, randomUUID());
      expect(answer.status).toBe(status);
      expect(answer.body.message).toContain(field);
    };
    await refused(wire({ amount: '-1.00' }), 'amount');
    await refused(wire({ amount: '10.001' }), 'amount');
    await refused(wire({ amount: 12.5 }), 'amount');
    await refused(wire({ creditor: { name: 'X', routing_number: '021000022', account_number: '123456789' } }), 'creditor.routing_number');
    await refused(wire({ creditor: { name: 'X', routing_number: '021000021', account_number: '12' } }), 'creditor.account_number');
    await refused(wire({ urgent: true }), 'urgent');
    await refused(wire({ creditor: { name: 'X', routing_number: '021000021', account_number: '123456789', swift: 'X' } }), 'swift');
    await refused(wire({ currency: 'EUR' }), 'currency');
    const huge = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      headers: { 'idempotency-key': randomUUID() },
      rawBody: JSON.stringify(wire({ description: 'x'.repeat(2 * 1024 * 1024) })),
    });
    expect(huge).toMatchObject({ status: 413, body: { error_code: 'GW_PAYLOAD_TOO_LARGE' } });
    const malformed = await call(gw, 'POST', '/v1/payments/wire', {
      token: operator,
      headers: { 'idempotency-key': randomUUID() },
      rawBody: '{"amount": ',
    });
    expect(malformed).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    const transfer = await post(
      '/v1/transfers',
      { from_account_id: accounts[0], to_account_id: accounts[0], amount: '1.00', currency: 'USD' },
      randomUUID(),
    );
    expect(transfer).toMatchObject({ status: 400, body: { message: expect.stringContaining('to_account_id') } });
    const ach = await post(
      '/v1/payments/ach',
      {
        debtor_account_id: accounts[0],
        sec_code: 'PPD',
        payments: [
          {
            amount: '1.00',
            creditor: {
              name: 'A name far longer than NACHA allows',
              routing_number: '021000021',
              account_number: '1234',
              account_type: 'CHECKING',
            },
            description: 'PAYROLL NOVEMBER',
          },
        ],
      },
      randomUUID(),
    );
    expect(ach.status).toBe(400);
    expect(ach.body.message).toContain('payments.0.creditor.name');
    expect(ach.body.message).toContain('payments.0.description');
    expect({ records: await count('idempotency_records'), payments: await count('payments') }).toEqual(before);
  });

  it('a transfer between two accounts, through the caller SDK: TRANSFER, completed', async () => {
    const treasury = createGatewayClient({ baseUrl: gw.url, token: operator });
    const transfer = await treasury.sendTransfer({
      from_account_id: accounts[0]!,
      to_account_id: accounts[1]!,
      amount: '250.75',
      currency: 'USD',
      description: 'sweep',
    });
    expect(transfer).toMatchObject({
      type: 'TRANSFER',
      status: 'P_COMPLETED',
      amount: '250.75',
      to_account_id: accounts[1],
      creditor: null,
    });
    await expect(treasury.getPayment(transfer.payment_id)).resolves.toMatchObject({
      payment_id: transfer.payment_id,
      status: 'P_COMPLETED',
    });
  });

  it('ACH bulk of 500 → 500 P_PENDING; settlement’s webhooks complete them, the 0000 entry fails, each exactly once', async () => {
    const payments = Array.from({ length: 500 }, (_, i) => ({
      amount: `${(i % 90) + 10}.25`,
      creditor: {
        name: `Employee ${i}`,
        routing_number: '011000015',
        account_number: i === 137 ? '99990000' : String(200000001 + i),
        account_type: i % 2 ? 'SAVINGS' : 'CHECKING',
      },
      description: 'PAYROLL',
    }));
    const accepted = await post(
      '/v1/payments/ach',
      { debtor_account_id: accounts[2], sec_code: 'PPD', payments },
      randomUUID(),
      gw.token('payables', ['ap-clerk']),
    );
    expect(accepted.status).toBe(202);
    expect(accepted.body.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(accepted.body.payments).toHaveLength(500);
    expect(
      accepted.body.payments.every(
        (p: { status: string; qbank_payment_id: string | null }) => p.status === 'P_PENDING' && p.qbank_payment_id,
      ),
    ).toBe(true);
    const failing = accepted.body.payments[137].payment_id as string;

    await admin(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
    const batchId = accepted.body.batch_id as string;
    await eventually(
      async () => {
        const rows = (await gw.db.query(
          `SELECT count(*) AS n FROM payments WHERE batch_id = ${gw.config.database.url.startsWith('postgres') ? '$1' : '?'} AND status IN ('P_COMPLETED','P_FAILED')`,
          [batchId],
        )) as { n: string | number }[];
        return Number(rows[0]!.n) === 500 ? true : undefined;
      },
      30_000,
      'all 500 final through webhooks',
    );
    const finals = (await gw.db.query(
      `SELECT h.payment_id, count(*) AS n, min(h.source) AS source FROM payment_status_history h JOIN payments p ON p.payment_id = h.payment_id WHERE p.batch_id = ${gw.config.database.url.startsWith('postgres') ? '$1' : '?'} AND h.status IN ('P_COMPLETED','P_FAILED') GROUP BY h.payment_id`,
      [batchId],
    )) as { payment_id: string; n: string | number; source: string }[];
    expect(finals).toHaveLength(500);
    expect(finals.every((f) => Number(f.n) === 1 && f.source === 'webhook')).toBe(true);

    const batch = await call(gw, 'GET', `/v1/payments/${batchId}`, { token: operator });
    expect(batch.body).toMatchObject({ type: 'ACH_BATCH', status: 'P_COMPLETED' });
    const statuses = (batch.body.payments as { payment_id: string; status: string }[]).map((p) => p.status);
    expect(statuses.filter((s) => s === 'P_COMPLETED')).toHaveLength(499);
    expect(
      (batch.body.payments as { payment_id: string; status: string; failure_reason: string }[]).find((p) => p.payment_id === failing),
    ).toMatchObject({
      status: 'P_FAILED',
      failure_reason: expect.stringMatching(/^R03/),
    });
  });

  it('webhooks that overtake QBank’s answer are applied once the answer is recorded, each exactly once', async () => {
    const sql = (text: string) => (gw.config.database.url.startsWith('postgres') ? text : text.replace(/\$\d+/g, '?'));
    const before = new Set((await sandboxPayments()).map((p) => p.payment_id));
    // QBank acts on the batch at once but its answer is held back; meanwhile the batch run settles it.
    await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { answer_delay_ms: 3000 });
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      const sent = post(
        '/v1/payments/ach',
        {
          debtor_account_id: accounts[1],
          sec_code: 'PPD',
          payments: ['300000001', '300000002', '30000000'].map((account_number, i) => ({
            amount: `${i + 1}0.00`,
            creditor: { name: `Vendor ${i}`, routing_number: '011000015', account_number, account_type: 'CHECKING' },
          })),
        },
        randomUUID(),
        gw.token('payables', ['ap-clerk']),
      );
      const created = await eventually(async () => {
        const fresh = (await sandboxPayments()).filter((p) => !before.has(p.payment_id));
        return fresh.length === 3 ? fresh.map((p) => p.payment_id) : undefined;
      });
      await admin(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
      // The three webhooks are stored before the gateway knows which payments they are.
      await eventually(async () => {
        const rows = (await gw.db.query(
          sql(`SELECT count(*) AS n FROM webhook_events WHERE qbank_payment_id IN ($1, $2, $3) AND applied_at IS NULL`),
          created,
        )) as { n: string | number }[];
        return Number(rows[0]!.n) === 3 ? true : undefined;
      }, 2500);
      answer = await sent;
    } finally {
      await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { answer_delay_ms: 0 });
    }
    // The answer is QBank's (all pending); the store has the webhooks' final statuses, each written once.
    expect(answer.status).toBe(202);
    expect((answer.body.payments as { status: string }[]).map((p) => p.status)).toEqual(['P_PENDING', 'P_PENDING', 'P_PENDING']);
    const batchId = answer.body.batch_id as string;
    const stored = (await gw.db.query(sql(`SELECT batch_index, status FROM payments WHERE batch_id = $1 ORDER BY batch_index`), [
      batchId,
    ])) as { status: string }[];
    expect(stored.map((p) => p.status)).toEqual(['P_COMPLETED', 'P_COMPLETED', 'P_FAILED']);
    const finals = (await gw.db.query(
      sql(
        `SELECT h.payment_id, count(*) AS n, min(h.source) AS source FROM payment_status_history h JOIN payments p ON p.payment_id = h.payment_id WHERE p.batch_id = $1 AND h.status IN ('P_COMPLETED','P_FAILED') GROUP BY h.payment_id`,
      ),
      [batchId],
    )) as { n: string | number; source: string }[];
    expect(finals.map((f) => [Number(f.n), f.source])).toEqual([
      [1, 'webhook'],
      [1, 'webhook'],
      [1, 'webhook'],
    ]);
    const unapplied = (await gw.db.query(
      sql(
        `SELECT count(*) AS n FROM webhook_events w JOIN payments p ON p.qbank_payment_id = w.qbank_payment_id WHERE p.batch_id = $1 AND w.applied_at IS NULL`,
      ),
      [batchId],
    )) as { n: string | number }[];
    expect(Number(unapplied[0]!.n)).toBe(0);
  });

  describe('webhooks', () => {
    const deliver = (body: string, signature: string | undefined) =>
      fetch(`${gw.url}/v1/webhooks/qbank`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'webhook-signature': signature } : {}),
          'webhook-event-id': randomUUID(),
        },
        body,
      });

    it('refuses a bad signature, a changed body, a stale timestamp or none (400, nothing stored); a duplicate changes nothing', async () => {
      const created = await post('/v1/payments/wire', wire(), randomUUID());
      const body = JSON.stringify({
        event_id: randomUUID(),
        event_type: 'paymentStatusUpdate',
        created_at: new Date().toISOString(),
        data: { payment: { payment_id: created.body.qbank_payment_id, status: 'P_FAILED', failure_reason: 'forged' } },
      });
      // (QBank's own webhooks for earlier payments may still be arriving: look only at this forged event)
      const forged = async () =>
        Number(
          (
            (await gw.db.query(
              `SELECT count(*) AS n FROM webhook_events WHERE dedupe_key = ${gw.config.database.url.startsWith('postgres') ? '$1' : '?'}`,
              [`${created.body.qbank_payment_id as string}:P_FAILED`],
            )) as { n: string | number }[]
          )[0]!.n,
        );
      for (const [raw, signature] of [
        [body, signWebhook(body, 'not-the-secret')],
        [body.replace('P_FAILED', 'P_FAILEd'), signWebhook(body, WEBHOOK_SECRET)],
        [body, signWebhook(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301)],
        [body, undefined],
        [body, 't=1,v1=zz'],
      ] as const) {
        const answer = await deliver(raw, signature);
        expect(answer.status).toBe(400);
        expect(await answer.json()).toMatchObject({ error_code: 'GW_WEBHOOK_SIGNATURE_INVALID', request_id: expect.any(String) });
      }
      expect(await forged()).toBe(0);
      // a completed wire never fails later, even through a validly signed event
      const contradicting = await deliver(body, signWebhook(body, WEBHOOK_SECRET));
      expect(contradicting.status).toBe(200);
      const payment = await call(gw, 'GET', `/v1/payments/${created.body.payment_id as string}`, { token: operator });
      expect(payment.body.status).toBe('P_COMPLETED');
      const again = await deliver(body, signWebhook(body, WEBHOOK_SECRET));
      expect(await again.json()).toMatchObject({ duplicate: true });
    });
  });

  it('Positive Pay, through the caller SDK: an issue file is accepted and followed to PROCESSED', async () => {
    const payables = createGatewayClient({ baseUrl: gw.url, token: () => gw.token('payables', ['ap-clerk']) });
    const issue = await payables.issuePositivePayChecks({
      account_id: accounts[1]!,
      checks: [
        { check_number: '20001', amount: '120.00', payee_name: 'Acme', issue_date: '2026-11-20' },
        { check_number: '20002', amount: '75.10', payee_name: 'Initech', issue_date: '2026-11-20', void: true },
      ],
    });
    expect(issue).toMatchObject({
      status: 'RECEIVED',
      issue_id: expect.any(String),
      checks: [{ check_number: '20001' }, { check_number: '20002', void: true }],
    });
    await admin(gw.sandbox.url, 'POST', '/sandbox/ach/settle');
    await expect(payables.getPositivePayIssue(issue.issue_id)).resolves.toMatchObject({
      status: 'PROCESSED',
      checks: [{ status: 'ACCEPTED' }, { status: 'ACCEPTED' }],
    });
  });

  it('lists stored payments newest first with a cursor, filters, and a feed of changes', async () => {
    const first = await call(gw, 'GET', '/v1/payments?type=WIRE&limit=2', { token: operator });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.data[0].created_at >= first.body.data[1].created_at).toBe(true);
    const second = await call(gw, 'GET', `/v1/payments?type=WIRE&limit=2&cursor=${first.body.next_cursor as string}`, { token: operator });
    expect(second.body.data.map((p: { payment_id: string }) => p.payment_id)).not.toContain(first.body.data[0].payment_id);
    const all = await call(gw, 'GET', '/v1/payments?type=WIRE&limit=1000', { token: operator });
    expect(new Set(all.body.data.map((p: { payment_id: string }) => p.payment_id)).size).toBe(all.body.data.length);
    const failed = await call(gw, 'GET', '/v1/payments?status=P_FAILED&limit=1000', { token: operator });
    expect(failed.body.data.length).toBeGreaterThan(0);
    expect(failed.body.data.every((p: { status: string }) => p.status === 'P_FAILED')).toBe(true);
    const feed = await call(
      gw,
      'GET',
      `/v1/payments?updated_since=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&limit=5`,
      { token: operator },
    );
    expect(feed.body.data).toHaveLength(5);
    expect(feed.body.data[0].updated_at <= feed.body.data[4].updated_at).toBe(true);
    expect((await call(gw, 'GET', '/v1/payments?cursor=bogus', { token: operator })).status).toBe(400);
  });
});
