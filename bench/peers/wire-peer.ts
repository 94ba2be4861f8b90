import { createHash, randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

/**
 * The wires' peer (contract §12): the idempotent wire handler a team writes by hand with Node `http` and
 * `pg` — the minimum. Per request: one committed claim of (caller, key) with a fresh upstream key and the
 * body's fingerprint, the QBank call with that key, one committed answer. A repeated key replays the stored
 * answer, or answers 409 while its first request is in flight (422 for another body). No auth (every
 * request is the same caller), no audit, no lease: a record whose QBank call failed stays in flight, where
 * the gateway would let a retry or its recovery job take it over — so the peer never does more than the
 * gateway. `PORT`, `QBANK_BASE_URL`, `QBANK_TOKEN`, `DATABASE_URL` and `PEER_SCHEMA` from the environment;
 * it creates its table in that schema.
 */
const base = new URL(process.env.QBANK_BASE_URL ?? 'http://127.0.0.1:4010/v1');
const token = process.env.QBANK_TOKEN ?? '';
const table = `"${process.env.PEER_SCHEMA ?? 'public'}".wire_requests`;
const CALLER = 'anonymous';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
// Only these are QBank's last word on a request; anything else may be retried with the same upstream key.
const FINAL = (status: number): boolean => (status >= 200 && status < 300) || status === 400 || status === 404 || status === 422;

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
// The gateway's pool size (20), so neither side is held back by the number of connections.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
pool.on('error', () => undefined); // an idle connection dropped by the server: the pool replaces it

await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
  caller text NOT NULL,
  key uuid NOT NULL,
  fingerprint text NOT NULL,
  upstream_key uuid NOT NULL,
  status integer,
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
)`);

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

const problem = (status: number, title: string): string => JSON.stringify({ type: 'about:blank', title, status });

/** `POST {QBank}/payments/wire` with the record's upstream key, over the keep-alive agent. */
const postWire = (body: string, upstreamKey: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const upstream = request(
      {
        host: base.hostname,
        port: base.port,
        path: `${base.pathname.replace(/\/$/, '')}/payments/wire`,
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'idempotency-key': upstreamKey,
        },
      },
      (answer) => {
        readBody(answer).then((text) => resolve({ status: answer.statusCode ?? 502, body: text }), reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });

async function wire(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !UUID_V4.test(key)) return send(res, 400, problem(400, 'Idempotency-Key must be a UUID v4'));
  const body = await readBody(req);
  const fingerprint = createHash('sha256').update(body).digest('hex');
  const id = [CALLER, key.toLowerCase()];

  const claim = await pool.query<{ upstream_key: string }>(
    `INSERT INTO ${table} (caller, key, fingerprint, upstream_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING upstream_key`,
    [...id, fingerprint, randomUUID()],
  );
  const claimed = claim.rows[0];
  if (!claimed) {
    const { rows } = await pool.query<{ fingerprint: string; status: number | null; body: string | null }>(
      `SELECT fingerprint, status, body FROM ${table} WHERE caller = $1 AND key = $2`,
      id,
    );
    const record = rows[0];
    if (record && record.fingerprint !== fingerprint) return send(res, 422, problem(422, 'Idempotency key reused with another body'));
    if (!record || record.status === null || record.body === null)
      return send(res, 409, problem(409, 'A request with this Idempotency-Key is in flight'));
    return send(res, record.status, record.body, { 'idempotent-replayed': 'true' });
  }

  let answer: { status: number; body: string };
  try {
    answer = await postWire(body, claimed.upstream_key);
  } catch {
    return send(res, 502, problem(502, 'QBank unreachable'));
  }
  if (!FINAL(answer.status))
    return send(res, 503, problem(503, 'QBank did not answer finally; retry with the same key'), { 'retry-after': '1' });
  await pool.query(`UPDATE ${table} SET status = $3, body = $4 WHERE caller = $1 AND key = $2`, [...id, answer.status, answer.body]);
  send(res, answer.status, answer.body);
}

const server = createServer((req, res) => {
  const path = req.url?.split('?')[0];
  if (req.method === 'POST' && path === '/v1/payments/wire')
    return void wire(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, problem(500, 'Internal error'));
      else res.destroy();
    });
  if (req.method === 'GET' && path === '/health') return send(res, 200, '{"status":"ok"}');
  send(res, 404, problem(404, 'Not found'));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3902), '127.0.0.1');
