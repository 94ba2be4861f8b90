import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import { testDatabase } from './support/gateway.js';
import { devCredentials, startReplica } from './support/replicas.js';
import { TEST_CLOCK_OFFSET_MS } from './support/clock.js';

const REQUESTS = 10_000;

/** A deterministic generator, so that a failure can be reproduced. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('hostile input', () => {
  let sandbox: RunningSandbox;
  const { keyFile, token, remove } = devCredentials('qbank-hostile-');

  beforeAll(async () => {
    sandbox = await startSandbox({
      clockOffsetMs: TEST_CLOCK_OFFSET_MS, // QBank at the replicas' time (see `startReplica`)
      port: 0,
      quiet: true,
      processingMs: 0,
      achSettleIntervalSeconds: 0,
      accounts: 1,
    });
  });
  afterAll(async () => {
    await sandbox.close();
    remove();
  });

  it(`${REQUESTS.toLocaleString('en-US')} malformed or hostile requests → no 5xx, no crash, memory flat`, async () => {
    const database = testDatabase();
    const replica = await startReplica(sandbox.baseUrl, keyFile, { ...database.env, LIMITS_CALLER_RATE_PER_SECOND: '0' });
    try {
      // the store is synced, so that reads of it answer (before a first sync they are 503 by design)
      const admin = token('ops', ['gateway-admin']);
      for (const resource of ['accounts', 'transactions'])
        expect(
          (await fetch(`${replica.url}/v1/sync/${resource}?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } }))
            .status,
        ).toBe(202);
      const operator = token('treasury-ops', ['treasury-operator', 'auditor', 'treasury-viewer']);
      const random = generator(42);
      const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
      const wire = JSON.stringify({
        debtor_account_id: randomUUID(),
        amount: '1.00',
        currency: 'USD',
        creditor: { name: 'X', routing_number: '021000021', account_number: '123456789' },
      });
      const fuzz = (): string => {
        const kind = Math.floor(random() * 8);
        if (kind === 0) return wire.slice(0, Math.floor(random() * wire.length)); // truncated
        if (kind === 1) return randomBytes(Math.floor(random() * 200)).toString('latin1'); // noise, invalid UTF-8
        if (kind === 2) return `${'['.repeat(5000)}${']'.repeat(5000)}`; // deep nesting
        if (kind === 3) return wire.replace('"1.00"', pick(['1e308', '-0', '"NaN"', '"1.001"', 'null', '"0x10"', '"١٢٣"']));
        if (kind === 4) return wire.replace('"USD"', pick(['"usd"', '123', '{"$gt":""}', '"US\\u0000D"']));
        if (kind === 5) return JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { x: 1 } } });
        if (kind === 6) return wire.replace('"X"', `"${"'; DROP TABLE payments; --".repeat(20)}"`);
        return `${wire.slice(0, -1)},"extra":${JSON.stringify('x'.repeat(Math.floor(random() * 5000)))}}`;
      };
      const requests: (() => Promise<Response>)[] = [
        () =>
          fetch(`${replica.url}/v1/payments/wire`, {
            method: 'POST',
            headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: fuzz(),
          }),
        () =>
          fetch(`${replica.url}/v1/payments/wire`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${operator}`,
              'content-type': pick([
                'text/plain',
                'application/xml',
                'multipart/form-data; boundary=x',
                'application/json; charset=utf-16',
              ]),
              'idempotency-key': randomUUID(),
            },
            body: wire,
          }),
        () =>
          fetch(`${replica.url}/v1/balances/${randomUUID()}`, {
            headers: { authorization: `Bearer ${operator}`, 'x-filler': 'a'.repeat(Math.floor(random() * 40_000)) },
          }),
        () =>
          fetch(
            `${replica.url}${pick([
              '/v1/../../etc/passwd',
              '/v1/balances/..%2F..%2F..%2Fetc%2Fpasswd',
              '/v1/balances/%00',
              '/v1/payments/%E0%A4%A',
              '/docs/../../package.json',
              '/v1/balances/' + 'a'.repeat(5000),
            ])}`,
            { headers: { authorization: `Bearer ${operator}` } },
          ),
        () =>
          fetch(
            `${replica.url}${pick([
              `/v1/transactions?account_id=${encodeURIComponent("' OR 1=1 --")}`,
              `/v1/audit/events?actor=${encodeURIComponent("x' OR '1'='1")}&limit=5`,
              `/v1/audit/events?resource_id=${encodeURIComponent('1; DELETE FROM audit_events')}`,
              `/v1/payments?status=${encodeURIComponent("P_PENDING' --")}`,
              `/v1/audit/events?cursor=${encodeURIComponent('eyJ7Ijp9')}`,
              `/v1/payments?limit=-1&from=2026-13-45`,
              `/v1/audit/events/export?format=${encodeURIComponent('csv;rm -rf')}`,
            ])}`,
            { headers: { authorization: `Bearer ${operator}` } },
          ),
        () =>
          fetch(`${replica.url}/v1/payments/wire`, {
            method: 'POST',
            headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`,
          }),
        () =>
          fetch(`${replica.url}/v1/webhooks/qbank`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'webhook-signature': pick(['', 't=1,v1=zz', 't=abc', 'v1='.repeat(1000)]) },
            body: fuzz(),
          }),
        () =>
          fetch(`${replica.url}/v1/balances/${randomUUID()}`, {
            headers: {
              authorization: pick(['Bearer ', 'Bearer x.y.z', `Bearer ${'a'.repeat(9000)}`, 'Basic Zm9vOmJhcg==', `Bearer ${operator}x`]),
            },
          }),
      ];

      const pid = replica.child.pid!;
      const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
      const statuses = new Map<number, number>();
      let sent = 0;
      let errors = 0;
      const worker = async () => {
        while (sent < REQUESTS) {
          sent += 1;
          try {
            const answer = await pick(requests)();
            await answer.arrayBuffer();
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          } catch {
            errors += 1; // the client refusing to send something (a header too large for it) is not the gateway's answer
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, worker)); // warm up the same mix
      const settled = rss();
      sent = 0;
      statuses.clear();
      await Promise.all(Array.from({ length: 20 }, worker));
      const grownMb = rss() - settled;

      const fiveHundreds = [...statuses].filter(([status]) => status >= 500);
      expect(fiveHundreds).toEqual([]);
      expect([...statuses.values()].reduce((a, b) => a + b, 0) + errors).toBeGreaterThanOrEqual(REQUESTS);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(1000);
      expect(statuses.get(413) ?? 0).toBeGreaterThan(0);
      expect(replica.child.exitCode).toBeNull();
      expect((await fetch(`${replica.url}/health/live`)).status).toBe(200);
      expect(grownMb).toBeLessThan(100);
    } finally {
      await replica.kill();
      await database.drop();
    }
  }, 420_000); // a guard against a hang, not a speed target: the full suite runs heavy process tests beside it
});
