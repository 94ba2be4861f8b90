import { call, startGateway, type TestGateway } from './support/gateway.js';
import { admin } from './support/sandbox-admin.js';

/** /health is public: it must not be a way to load the bank, nor show the bank's own error text to anyone. */
describe('the public health report (real HTTP)', () => {
  let gw: TestGateway;
  const probes = async () => (await admin<{ data: unknown[] }>(gw.sandbox.url, 'GET', '/sandbox/requests?path=/v1/accounts')).data.length;

  beforeAll(async () => {
    gw = await startGateway({ env: { HEALTH_QBANK_CACHE_MS: '60000' } });
  });
  afterAll(() => gw.close());

  it('200 anonymous /health calls at once make one QBank call, and the next ones within the cache none', async () => {
    const before = await probes();
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(gw, 'GET', '/health')));
    expect(answers.every((a) => a.body.details.qbank.status === 'up')).toBe(true);
    expect((await probes()) - before).toBe(1);
    for (let i = 0; i < 20; i += 1) await call(gw, 'GET', '/health');
    expect((await probes()) - before).toBe(1);
  });

  it("shows QBank's status in maintenance, never its error text", async () => {
    const fresh = await startGateway(); // no cache: the probe sees maintenance at once
    await admin(fresh.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: true });
    try {
      const health = await call(fresh, 'GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body.details.qbank).toEqual({ status: 'down', reachable: false, circuits: expect.any(Object) });
      expect(JSON.stringify(health.body)).not.toMatch(/maintenance|ERR_SYS_503/i);
    } finally {
      await admin(fresh.sandbox.url, 'PUT', '/sandbox/maintenance', { enabled: false });
      await fresh.close();
    }
  });
});
