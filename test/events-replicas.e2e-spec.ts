import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { TEST_CLOCK_OFFSET_MS, testNow } from './support/clock.js';
import { eventually } from './support/capture-server.js';
import { postgresDatabase, testDatabase, type TestDatabase } from './support/gateway.js';
import { startReplica, type Replica } from './support/replicas.js';
import { sandboxAccounts } from './support/sandbox-admin.js';
import { verifyWebhook } from './support/webhook-verifier.js';

type Event = { id: string; type: string; data: Record<string, unknown> };

/** A subscriber that takes `delayMs` to answer 200 (slow enough for a replica to die mid-delivery). */
async function slowReceiver(delayMs: number) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      setTimeout(() => res.writeHead(200).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** The outbox table itself, read beside the gateways: event ids, and deliveries not delivered yet. */
async function outbox(database: TestDatabase, type?: string): Promise<{ events: string[]; undelivered: number }> {
  const url = database.env.DATABASE_URL!;
  if (url.startsWith('sqlite:')) {
    const db = new Sqlite(url.slice('sqlite:'.length), { readonly: true });
    try {
      const events = (db.prepare('SELECT id, type FROM events').all() as { id: string; type: string }[])
        .filter((e) => !type || e.type === type)
        .map((e) => e.id);
      const { n } = db.prepare("SELECT COUNT(*) AS n FROM event_deliveries WHERE status <> 'delivered'").get() as { n: number };
      return { events, undelivered: n };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schema = database.env.DATABASE_SCHEMA!;
    const events = (await client.query<{ id: string; type: string }>(`SELECT id, type FROM "${schema}".events`)).rows
      .filter((e) => !type || e.type === type)
      .map((e) => e.id);
    const { rows } = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM "${schema}".event_deliveries WHERE status <> 'delivered'`,
    );
    return { events, undelivered: Number(rows[0]!.n) };
  } finally {
    await client.end();
  }
}

describe('events across gateway processes', () => {
  let sandbox: RunningSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'qbank-events-replicas-'));
  const keyFile = join(dir, 'dev-signing-key');
  const tokenOf = (sub: string, roles: string[]) =>
    signDevToken(ensureDevKeys(keyFile), {
      sub,
      roles,
      ttlSeconds: 600,
      issuer: 'qbank-gateway-dev',
      audience: 'qbank-gateway',
      issuedAt: testNow(),
    });
  const operator = tokenOf('treasury-ops', ['treasury-operator']);
  const admin = tokenOf('ops-admin', ['gateway-admin']);
  let accountId: string;

  const events = { EVENTS_DELIVERY_INTERVAL_MS: '100', EVENTS_DELIVERY_TIMEOUT_MS: '2000', EVENTS_RETRY_SCHEDULE: '1,1,1,1,1' };
  const api = async (replica: Replica, method: string, path: string, token: string, body?: unknown, key?: string) => {
    const r = await fetch(`${replica.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const wire = (replica: Replica, amount: string) =>
    api(
      replica,
      'POST',
      '/v1/payments/wire',
      operator,
      {
        debtor_account_id: accountId,
        amount,
        currency: 'USD',
        creditor: { name: 'Initech', routing_number: '021000021', account_number: '123456789' },
      },
      randomUUID(),
    );

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
    });
    accountId = (await sandboxAccounts(sandbox.baseUrl)).accountIds[0]!;
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two processes on one PostgreSQL, 4 writers, a reader following the feed on both → every event once, each delivered', async () => {
    const database = postgresDatabase();
    const receiver = await slowReceiver(0);
    const [a, b] = await Promise.all([
      startReplica(sandbox.baseUrl, keyFile, { ...database.env, ...events }),
      startReplica(sandbox.baseUrl, keyFile, { ...database.env, ...events }),
    ]);
    try {
      const sub = await api(a, 'POST', '/v1/event-subscriptions', operator, {
        url: receiver.url,
        event_types: ['payment.created', 'payment.status_changed'],
      });
      expect(sub.status).toBe(201);
      const seen: string[] = [];
      let stop = false;
      let after: string | null = null;
      let turn = 0;
      const reader = (async () => {
        while (!stop) {
          const from = turn++ % 2 ? a : b;
          const page = await api(from, 'GET', `/v1/events?limit=5${after ? `&after=${after}` : ''}`, admin);
          expect(page.status).toBe(200);
          seen.push(...(page.body.data as Event[]).map((e) => e.id));
          after = page.body.next_cursor as string | null;
        }
      })();
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; i < 6; i += 1) expect((await wire(w % 2 ? a : b, `${w + 1}.1${i}`)).status).toBe(201);
        }),
      );
      const table = await eventually(
        async () => {
          const { events: all, undelivered } = await outbox(database);
          return all.length === new Set(seen).size && all.every((id) => seen.includes(id)) && undelivered === 0 ? all : undefined;
        },
        30_000,
        'the reader and the deliveries to catch up with the outbox',
      );
      stop = true;
      await reader;
      expect(seen.length).toBe(new Set(seen).size);
      expect(new Set(table)).toEqual(new Set(seen));
      // Claimed across replicas: each event sent by one of them, once, and signed.
      const ids = receiver.received.map((r) => r.headers['webhook-id'] as string);
      expect(ids.length).toBe(new Set(ids).size);
      expect(ids.length).toBe(table.length);
      for (const r of receiver.received) verifyWebhook(sub.body.secret as string, r.body, r.headers);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      await receiver.close();
      await database.drop();
    }
  });

  it('a process killed (SIGKILL) while it delivers, restarted → every event delivered at least once, none lost', async () => {
    const database = testDatabase();
    const receiver = await slowReceiver(1500);
    let replica = await startReplica(sandbox.baseUrl, keyFile, { ...database.env, ...events });
    const port = Number(new URL(replica.url).port);
    try {
      const sub = await api(replica, 'POST', '/v1/event-subscriptions', operator, { url: receiver.url, event_types: ['payment.created'] });
      expect(sub.status).toBe(201);
      for (let i = 0; i < 6; i += 1) expect((await wire(replica, `7.0${i}`)).status).toBe(201);
      await eventually(() => (receiver.received.length > 0 ? true : undefined), 10_000, 'a delivery in flight');
      await replica.kill('SIGKILL');
      const { events: written, undelivered } = await outbox(database, 'payment.created');
      expect(written).toHaveLength(6);
      expect(undelivered).toBeGreaterThan(0);
      replica = await startReplica(sandbox.baseUrl, keyFile, { ...database.env, ...events }, port);
      await eventually(async () => ((await outbox(database)).undelivered === 0 ? true : undefined), 30_000, 'every delivery');
      const received = new Set(receiver.received.map((r) => r.headers['webhook-id'] as string));
      for (const id of written) expect(received.has(id)).toBe(true);
      expect((await outbox(database, 'payment.created')).events.sort()).toEqual([...written].sort());
    } finally {
      await replica.kill();
      await receiver.close();
      await database.drop();
    }
  });
});
