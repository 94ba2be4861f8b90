import { generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createGatewayClient } from '#gateway/client';
import { eventually, startCaptureServer } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin } from './support/sandbox-admin.js';

interface AuditRow {
  actor: string;
  status: number;
  route: string | null;
  scope: string | null;
  error_code: string | null;
  upstream_request_id: string | null;
  outcome: string;
}

describe('gateway core: auth, request ids, audit, errors, real-time reads (real HTTP, real database)', () => {
  let gw: TestGateway;
  let viewer: string;
  let accountId: string;

  const auditRows = (requestId: string): Promise<AuditRow[]> =>
    gw.db.query(
      `SELECT actor, status, route, scope, error_code, upstream_request_id, outcome FROM audit_events WHERE request_id = ${gw.config.database.url.startsWith('postgres') ? '$1' : '?'}`,
      [requestId],
    );
  /** The audit event of a call, once the batch that carries it is written. */
  const auditOf = (requestId: string) =>
    eventually(
      async () => {
        const rows = await auditRows(requestId);
        return rows.length > 0 ? rows : undefined;
      },
      5000,
      `audit event of ${requestId}`,
    );

  beforeAll(async () => {
    gw = await startGateway();
    viewer = gw.token('erp-service', ['treasury-viewer']);
    const page = await fetch(`${gw.sandbox.baseUrl}/accounts`, {
      headers: {
        authorization: `Bearer ${((await (await fetch(`${gw.sandbox.baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}` }, body: 'grant_type=client_credentials' })).json()) as { access_token: string }).access_token}`,
      },
    });
    accountId = ((await page.json()) as { data: { account_id: string }[] }).data[0]!.account_id;
  });
  afterAll(() => gw.close());

  describe('authentication (401 in the standard format, with WWW-Authenticate)', () => {
    const refused = async (token: string | undefined, code: string) => {
      const answer = await call(gw, 'GET', `/v1/balances/${accountId}`, { token });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(answer.body).toEqual({ message: expect.any(String), error_code: code, request_id: answer.headers.get('x-request-id') });
      return answer;
    };

    it('no token', () => refused(undefined, 'GW_AUTH_MISSING'));
    it('a malformed token', () => refused('not.a.jwt', 'GW_AUTH_INVALID'));
    it('a tampered token (payload changed, signature kept)', async () => {
      const [header, , signature] = viewer.split('.');
      const payload = Buffer.from(
        JSON.stringify({
          sub: 'erp-service',
          roles: ['treasury-operator'],
          aud: 'qbank-gateway',
          iss: 'qbank-gateway-dev',
          exp: 4102444800,
        }),
      ).toString('base64url');
      await refused(`${header}.${payload}.${signature}`, 'GW_AUTH_INVALID');
    });
    it('an expired token', () => refused(gw.token('erp-service', ['treasury-viewer'], -60), 'GW_AUTH_INVALID'));
    it('alg: none', async () => {
      const none = jwt.sign({ sub: 'erp-service', roles: ['treasury-viewer'], aud: 'qbank-gateway', iss: 'qbank-gateway-dev' }, '', {
        algorithm: 'none',
      });
      await refused(none, 'GW_AUTH_INVALID');
    });
    it('a token from another issuer or for another audience', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      await refused(
        jwt.sign({ sub: 'x', roles: ['treasury-viewer'] }, other, {
          algorithm: 'RS256',
          issuer: 'qbank-gateway-dev',
          audience: 'qbank-gateway',
          expiresIn: 60,
        }),
        'GW_AUTH_INVALID',
      );
      const { privateKey } = await import('../src/auth/dev-keys.js').then((m) => m.ensureDevKeys(gw.config.auth.devKeyFile));
      await refused(
        jwt.sign({ sub: 'x', roles: ['treasury-viewer'] }, privateKey, {
          algorithm: 'RS256',
          issuer: 'someone-else',
          audience: 'qbank-gateway',
          expiresIn: 60,
        }),
        'GW_AUTH_INVALID',
      );
      await refused(
        jwt.sign({ sub: 'x', roles: ['treasury-viewer'] }, privateKey, {
          algorithm: 'RS256',
          issuer: 'qbank-gateway-dev',
          audience: 'another-api',
          expiresIn: 60,
        }),
        'GW_AUTH_INVALID',
      );
    });
    it('health, docs and metrics are open; nothing else is', async () => {
      expect((await call(gw, 'GET', '/health/live')).status).toBe(200);
      expect((await call(gw, 'GET', '/docs-json')).status).toBe(200);
      expect((await call(gw, 'GET', '/metrics')).status).toBe(200);
      expect((await call(gw, 'GET', `/v1/payments/${randomUUID()}`)).status).toBe(401);
    });
  });

  describe('roles → scopes', () => {
    it('a treasury-viewer reads a balance: 200, with the audit fields of this call', async () => {
      const answer = await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        account_id: accountId,
        currency: 'USD',
        actor: 'erp-service',
        request_id: answer.headers.get('x-request-id'),
      });
      expect(answer.body.ledger_balance).toMatch(/^-?\d+\.\d{2}$/);
      expect(answer.body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('a caller without the scope → 403 naming it, and QBank is never called', async () => {
      const before = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=/v1/balances/${accountId}`)).data
        .length;
      const answer = await call(gw, 'GET', `/v1/balances/${accountId}`, { token: gw.token('audit-team', ['auditor']) });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error_code: 'GW_SCOPE_MISSING', message: expect.stringContaining('balances.read') });
      const after = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=/v1/balances/${accountId}`)).data
        .length;
      expect(after).toBe(before);
      const none = await call(gw, 'GET', `/v1/balances/${accountId}`, { token: gw.token('nobody', []) });
      expect(none.status).toBe(403);
    });
  });

  describe('request ids', () => {
    it('a caller’s UUID comes back unchanged and reaches QBank; anything else is replaced', async () => {
      const mine = randomUUID();
      const answer = await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer, headers: { 'x-request-id': mine } });
      expect(answer.headers.get('x-request-id')).toBe(mine);
      expect(answer.body.request_id).toBe(mine);
      const log = await admin<{ data: { request_id: string; path: string }[] }>(gw.sandbox.url, 'GET', '/sandbox/requests');
      expect(log.data.filter((r) => r.request_id === mine).map((r) => r.path)).toEqual([`/v1/balances/${accountId}`]);

      const junk = await call(gw, 'GET', '/health/live', { headers: { 'x-request-id': 'drop table; --' } });
      expect(junk.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('every response has one: errors, unknown routes, docs', async () => {
      for (const [method, path] of [
        ['GET', '/nowhere'],
        ['GET', `/v1/balances/${accountId}`],
        ['GET', '/docs-json'],
        ['POST', '/v1/balances/x'],
      ] as const) {
        expect((await call(gw, method, path)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    });
  });

  describe('errors in the bank’s formats', () => {
    it('unknown routes → 404 standard error', async () => {
      const answer = await call(gw, 'GET', '/v1/nothing-here', { token: viewer });
      expect(answer).toMatchObject({ status: 404, body: { error_code: 'GW_NOT_FOUND', request_id: answer.headers.get('x-request-id') } });
    });

    it('a path parameter that is not a UUID → 400 naming it', async () => {
      const answer = await call(gw, 'GET', '/v1/balances/12345', { token: viewer });
      expect(answer).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION', message: expect.stringContaining('accountId') } });
    });

    it('QBank’s 404 for an unknown account passes with QBank’s code and the gateway’s request id', async () => {
      const answer = await call(gw, 'GET', `/v1/balances/${randomUUID()}`, { token: viewer });
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(answer.body).toEqual({
        message: expect.any(String),
        error_code: 'ERR_ACC_001',
        request_id: answer.headers.get('x-request-id'),
      });
      // payments are looked up among those the gateway sent: an unknown id is the gateway's own 404 (here as the caller SDK raises it)
      const sdk = createGatewayClient({ baseUrl: gw.url, token: viewer });
      await expect(sdk.getPayment(randomUUID())).rejects.toMatchObject({ name: 'GatewayApiError', status: 404, code: 'GW_NOT_FOUND' });
    });

    it('maintenance → 503 with Retry-After and /health 503, /health/ready stays 200; both recover without a restart', async () => {
      await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { maintenance_retry_after_seconds: 1 });
      await admin(gw.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: true });
      try {
        const answer = await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer });
        expect(answer.status).toBe(503);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(answer.body).toEqual({
          message: expect.any(String),
          error_code: 'ERR_SYS_503',
          request_id: answer.headers.get('x-request-id'),
        });
        const health = await call(gw, 'GET', '/health');
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({
          status: 'error',
          details: { qbank: { status: 'down' } },
          error_code: expect.any(String),
          request_id: expect.any(String),
        });
        expect((await call(gw, 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await admin(gw.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: false });
      }
      expect((await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer })).status).toBe(200);
      // the full report also wants every batch resource synced within its age limit
      const stale = await call(gw, 'GET', '/health');
      expect(stale.body).toMatchObject({ status: 'error', details: { qbank: { status: 'up' }, synced_data: { status: 'down' } } });
      for (const resource of ['accounts', 'transactions', 'positivepay-exceptions']) {
        await call(gw, 'POST', `/v1/sync/${resource}?wait=true`, { token: gw.token('ops', ['gateway-admin']) });
      }
      expect((await call(gw, 'GET', '/health')).body).toMatchObject({
        status: 'ok',
        details: {
          qbank: { status: 'up' },
          database: { status: 'up' },
          synced_data: { status: 'up', accounts: { age_seconds: expect.any(Number) } },
        },
      });
    });

    it('QBank slower than the gateway’s timeout → 504', async () => {
      const slow = await startGateway({ env: { QBANK_TIMEOUT_MS: '500' } });
      try {
        const token = slow.token('erp-service', ['treasury-viewer']);
        await call(slow, 'GET', `/v1/balances/${randomUUID()}`, { token }); // fetches and caches the upstream token
        await admin(slow.sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 3000 });
        const answer = await call(slow, 'GET', `/v1/balances/${randomUUID()}`, { token });
        expect(answer).toMatchObject({ status: 504, body: { error_code: 'GW_UPSTREAM_TIMEOUT' } });
      } finally {
        await admin(slow.sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 0 });
        await slow.close();
      }
    });

    it('QBank unreachable → 502', async () => {
      const closed = await startCaptureServer();
      await closed.close();
      const orphan = await startGateway({ env: { QBANK_BASE_URL: `${closed.url}/v1` } });
      try {
        const answer = await call(orphan, 'GET', `/v1/balances/${accountId}`, { token: orphan.token('erp-service', ['treasury-viewer']) });
        expect(answer).toMatchObject({ status: 502, body: { error_code: 'GW_UPSTREAM_BAD_GATEWAY' } });
      } finally {
        await orphan.close();
      }
    });
  });

  it('one audit row per call, with the right actor and status, for 200, 400, 401, 403, 404 and 503', async () => {
    const ids: Record<string, string> = {};
    const send = async (label: string, path: string, token?: string) => {
      const requestId = randomUUID();
      ids[label] = requestId;
      return call(gw, 'GET', path, { token, headers: { 'x-request-id': requestId } });
    };
    await send('ok', `/v1/balances/${accountId}`, viewer);
    await send('bad', '/v1/balances/not-a-uuid', viewer);
    await send('anon', `/v1/balances/${accountId}`);
    await send('forbidden', `/v1/balances/${accountId}`, gw.token('audit-team', ['auditor']));
    await send('missing', '/v1/unknown', viewer);
    await admin(gw.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: true });
    await send('down', `/v1/balances/${accountId}`, viewer);
    await admin(gw.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: false });

    const ok = await auditOf(ids.ok!);
    expect(ok).toEqual([
      expect.objectContaining({
        actor: 'erp-service',
        status: 200,
        route: '/v1/balances/:accountId',
        scope: 'balances.read',
        outcome: 'success',
        upstream_request_id: ids.ok,
      }),
    ]);
    expect(await auditOf(ids.bad!)).toEqual([expect.objectContaining({ actor: 'erp-service', status: 400, error_code: 'GW_VALIDATION' })]);
    expect(await auditOf(ids.anon!)).toEqual([
      expect.objectContaining({ actor: 'anonymous', status: 401, error_code: 'GW_AUTH_MISSING', outcome: 'denied' }),
    ]);
    expect(await auditOf(ids.forbidden!)).toEqual([
      expect.objectContaining({ actor: 'audit-team', status: 403, error_code: 'GW_SCOPE_MISSING', scope: 'balances.read' }),
    ]);
    expect(await auditOf(ids.missing!)).toEqual([
      expect.objectContaining({ actor: 'erp-service', status: 404, route: null, error_code: 'GW_NOT_FOUND' }),
    ]);
    expect(await auditOf(ids.down!)).toEqual([
      expect.objectContaining({ actor: 'erp-service', status: 503, error_code: 'ERR_SYS_503', outcome: 'upstream_error' }),
    ]);
  });

  it('concurrent identical balance requests share one upstream call', async () => {
    await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 300 });
    try {
      const before = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=/v1/balances/${accountId}`)).data
        .length;
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer })));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(new Set(answers.map((a) => a.body.request_id)).size).toBe(20); // each caller keeps its own request id
      const after = (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', `/sandbox/requests?path=/v1/balances/${accountId}`)).data
        .length;
      expect(after - before).toBe(1);
    } finally {
      await admin(gw.sandbox.url, 'PUT', '/sandbox/settings', { latency_ms: 0 });
    }
  });

  it('serves its own OpenAPI: security scheme, scope per route, both error schemas', async () => {
    const doc = (await call(gw, 'GET', '/docs-json')).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const balance = doc.paths['/v1/balances/{accountId}'].get;
    expect(balance['x-required-scope']).toBe('balances.read');
    expect(balance.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['StandardErrorDto', 'ProblemDto']));
    expect(balance.responses['403'].content['application/json'].schema.$ref).toBe('#/components/schemas/StandardErrorDto');
    const ui = await fetch(`${gw.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('exposes Prometheus metrics with request counts by route', async () => {
    await call(gw, 'GET', `/v1/balances/${accountId}`, { token: viewer });
    const text = (await call(gw, 'GET', '/metrics')).body as string;
    expect(text).toMatch(/gateway_http_requests_total\{route="\/v1\/balances\/:accountId",method="GET",status="200"\} \d+/);
  });
});
