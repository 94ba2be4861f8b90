import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { eventually } from './support/capture-server.js';
import { call, startGateway, type TestGateway } from './support/gateway.js';

const BODY_LIMIT = 16_384;
const DAY = 86_400;
const now = () => Math.floor(Date.now() / 1000);

/** A request written on the socket as given: fetch would fold two headers of one name into one. */
async function rawRequest(url: string, head: string): Promise<{ status: number; headers: string; body: any }> {
  const { hostname, port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.write(`${head}Host: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
  const [headers, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
  return { status: Number(headers.split(' ')[1]), headers, body: JSON.parse(body) };
}

describe('who the caller is, for sure: tokens with exp, bounded lifetimes, no crit, one Authorization header, a sub of its own; authenticated before the body is read', () => {
  let gw: TestGateway;
  let auditor: string;
  const roles = ['treasury-viewer'];

  beforeAll(async () => {
    // Token lifetimes are checked against the issuer's (the machine's) clock here.
    gw = await startGateway({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT) }, clock: 'real' });
    auditor = gw.token('audit-team', ['auditor']);
  });
  afterAll(() => gw.close());

  /** A read that any treasury viewer may make: 200 for a good token. */
  const read = (token: string) => call(gw, 'GET', '/v1/payments?limit=1', { token });

  const refused = async (token: string, reason: RegExp) => {
    const answer = await read(token);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="qbank-gateway", error="invalid_token"/);
    expect(answer.body).toEqual({
      message: expect.stringMatching(reason),
      error_code: 'GW_AUTH_INVALID',
      request_id: answer.headers.get('x-request-id'),
    });
  };

  /** The audit events of one call (reads are written in batches: wait for it, with a deadline). */
  const auditOf = (requestId: string) =>
    eventually(
      async () => {
        const answer = await call(gw, 'GET', `/v1/audit/events?request_id=${requestId}`, { token: auditor });
        expect(answer.status).toBe(200);
        return (answer.body.data as unknown[]).length > 0 ? (answer.body.data as Record<string, unknown>[]) : undefined;
      },
      10_000,
      `the audit event of ${requestId}`,
    );

  it('a token without exp → 401', async () => {
    await refused(gw.sign({ sub: 'erp-service', roles }), /no exp/);
  });

  it('a token living longer than the maximum (exp - iat) → 401; one living exactly the maximum is accepted', async () => {
    await refused(gw.sign({ sub: 'erp-service', roles, iat: now(), exp: now() + DAY + 1 }), /longer than the 86400 seconds/);
    await refused(gw.sign({ sub: 'erp-service', roles, iat: now(), exp: now() + 10 * 365 * DAY }), /longer than/);
    // issued long ago: what is left of it is short, but its lifetime is not
    await refused(gw.sign({ sub: 'erp-service', roles, iat: now() - DAY, exp: now() + 60 }), /longer than/);
    expect((await read(gw.sign({ sub: 'erp-service', roles, iat: now(), exp: now() + DAY }))).status).toBe(200);
  });

  it('a token without iat whose exp is far in the future → 401; one without iat within the maximum is accepted', async () => {
    await refused(gw.sign({ sub: 'erp-service', roles, exp: now() + 10 * 365 * DAY }, { noTimestamp: true }), /longer than/);
    await refused(gw.sign({ sub: 'erp-service', roles, exp: now() + DAY + 3600 }, { noTimestamp: true }), /longer than/);
    expect((await read(gw.sign({ sub: 'erp-service', roles, exp: now() + 3600 }, { noTimestamp: true }))).status).toBe(200);
  });

  it('a token issued in the future (iat beyond the clock skew) → 401; a few seconds ahead is tolerated', async () => {
    await refused(gw.sign({ sub: 'erp-service', roles, iat: now() + 3600, exp: now() + 4200 }), /issued in the future/);
    expect((await read(gw.sign({ sub: 'erp-service', roles, iat: now() + 30, exp: now() + 630 }))).status).toBe(200);
  });

  it('a JWS header naming critical extensions (crit) → 401: the gateway understands none', async () => {
    const header = { alg: 'RS256' as const, typ: 'JWT', crit: ['x-gateway-ext'], 'x-gateway-ext': true };
    await refused(gw.sign({ sub: 'erp-service', roles, exp: now() + 600 }, { header }), /crit/);
  });

  it('two Authorization headers → 400 naming the header, whether sent apart or folded into one', async () => {
    const good = gw.token('erp-service', roles);
    const twice = await rawRequest(
      gw.url,
      `GET /v1/payments?limit=1 HTTP/1.1\r\nAuthorization: Bearer ${good}\r\nAuthorization: Bearer ${gw.token('someone-else', roles)}\r\n`,
    );
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ error_code: 'GW_VALIDATION', message: expect.stringContaining('Authorization') });
    // the same token twice is still two headers
    expect(
      (await rawRequest(gw.url, `GET /v1/payments?limit=1 HTTP/1.1\r\nAuthorization: Bearer ${good}\r\nauthorization: Bearer ${good}\r\n`))
        .status,
    ).toBe(400);
    const folded = await call(gw, 'GET', '/v1/payments?limit=1', { headers: { authorization: `Bearer ${good}, Bearer ${good}` } });
    expect(folded).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION', message: expect.stringContaining('Authorization') } });
    // one is fine
    expect((await rawRequest(gw.url, `GET /v1/payments?limit=1 HTTP/1.1\r\nAuthorization: Bearer ${good}\r\n`)).status).toBe(200);
  });

  it.each([
    ['qbank', 'qbank'],
    ['system', 'system'],
    ['anonymous', 'anonymous'],
    ['a reserved name in other case', 'QBank'],
    ['a reserved name padded', ' system '],
    ['empty', ''],
    ['blank', '   '],
    ['missing', undefined],
    ['not a string', 42],
    ['a control character', 'erp\u0007service'],
    ['a line break', 'erp\nservice'],
    ['a NUL', 'erp\u0000'],
    ['an invisible character', 'q\u200bbank'],
  ])('a sub the gateway cannot take as the actor (%s) → 401', async (_case, sub) => {
    await refused(gw.sign({ sub, roles, exp: now() + 600 }), /sub/);
  });

  describe('without a token, 401 comes first, whatever else is wrong with the call', () => {
    it.each([
      ['a wrong content type', { rawBody: '<wire/>', headers: { 'content-type': 'application/xml' } }, '/v1/payments/wire'],
      ['bad JSON', { rawBody: '{"amount": ' }, '/v1/payments/wire'],
      ['an oversize body', { rawBody: JSON.stringify({ description: 'x'.repeat(BODY_LIMIT) }) }, '/v1/payments/wire'],
      ['an unknown route', {}, '/v1/no-such-route'],
      ['an unknown route with a body', { rawBody: '{' }, '/v1/no-such-route'],
    ])('%s → 401 GW_AUTH_MISSING', async (_case, init, path) => {
      const answer = await call(gw, 'POST', path, init);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="qbank-gateway"/);
      expect(answer.body).toMatchObject({ error_code: 'GW_AUTH_MISSING' });
    });
  });

  describe('with a valid token, the refusal that follows is audited with the caller who made it', () => {
    it.each([
      {
        refusal: 'a wrong content type',
        status: 415,
        code: 'GW_VALIDATION',
        method: 'POST',
        path: '/v1/payments/wire',
        init: { rawBody: '<wire/>', headers: { 'content-type': 'application/xml' } },
      },
      {
        refusal: 'bad JSON',
        status: 400,
        code: 'GW_VALIDATION',
        method: 'POST',
        path: '/v1/payments/wire',
        init: { rawBody: '{"amount": ' },
      },
      { refusal: 'an unknown route', status: 404, code: 'GW_NOT_FOUND', method: 'GET', path: '/v1/no-such-route', init: {} },
      {
        refusal: 'an oversize body',
        status: 413,
        code: 'GW_PAYLOAD_TOO_LARGE',
        method: 'POST',
        path: '/v1/payments/wire',
        init: { rawBody: JSON.stringify({ description: 'x'.repeat(BODY_LIMIT) }) },
      },
    ])('$refusal → $status, audited as the caller', async ({ status, code, method, path, init }) => {
      const requestId = randomUUID();
      const sub = `caller-${randomUUID().slice(0, 8)}`;
      const answer = await call(gw, method, path, {
        ...init,
        token: gw.token(sub, ['treasury-operator']),
        headers: { ...('headers' in init ? init.headers : {}), 'x-request-id': requestId, 'idempotency-key': randomUUID() },
      });
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ error_code: code, request_id: requestId });
      expect(await auditOf(requestId)).toEqual([
        expect.objectContaining({ actor: sub, roles: ['treasury-operator'], status, error_code: code, outcome: 'client_error' }),
      ]);
    });
  });

  it('public routes need no token: health, metrics, the OpenAPI document and UI, and the QBank webhook (signed instead)', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs-json', '/docs', '/docs/swagger-ui.css'])
      expect([path, (await call(gw, 'GET', path)).status]).toEqual([path, 200]);
    const unsigned = await call(gw, 'POST', '/v1/webhooks/qbank', { body: { event_type: 'paymentStatusUpdate' } });
    expect(unsigned.status).toBe(400);
  });

  it('a new token is verified once for a call (not again by the guard), and not again for the next calls', async () => {
    const verifier = gw.app.get(TokenVerifier);
    const verify = verifier.verify.bind(verifier);
    let verified = 0;
    verifier.verify = (token) => {
      verified += 1;
      return verify(token);
    };
    try {
      const token = gw.token(`fresh-${randomUUID().slice(0, 8)}`, roles);
      expect((await read(token)).status).toBe(200);
      expect(verified).toBe(1);
      expect((await read(token)).status).toBe(200);
      expect(verified).toBe(1);
    } finally {
      verifier.verify = verify;
    }
  });
});
