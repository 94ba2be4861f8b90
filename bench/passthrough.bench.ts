import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevKeys, signDevToken } from '../src/auth/dev-keys.js';
import { bankToken, load, median, startService, type LoadResult } from './support.js';
import type { BenchRow } from './table.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * GET /v1/balances/{id} through the whole gateway (auth, scope guard, audit, logging, metrics) against a
 * bare keep-alive proxy to the same sandbox. Sandbox, gateway, proxy and load generator each run in
 * their own process; the two targets are measured alternately, three times, after a warm-up.
 */
export async function passthroughBenchmark(options: { seconds: number; repetitions: number }): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-bench-'));
  const [sandboxPort, gatewayPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const sandboxBase = `http://127.0.0.1:${sandboxPort}/v1`;
  const services = [];
  try {
    services.push(
      await startService(
        'dist/libs/qbank-sandbox/src/main.js',
        { SANDBOX_PORT: String(sandboxPort), SANDBOX_ACH_SETTLE_INTERVAL_SECONDS: '0', SANDBOX_QUIET: '1' },
        `http://127.0.0.1:${sandboxPort}/sandbox/stats`,
      ),
    );
    const bank = await bankToken(sandboxBase);
    const accounts = (await (await fetch(`${sandboxBase}/accounts?limit=1`, { headers: { authorization: `Bearer ${bank}` } })).json()) as {
      data: { account_id: string }[];
    };
    const accountId = accounts.data[0]!.account_id;
    const keyFile = join(dir, 'dev-signing-key');
    services.push(
      await startService(
        'dist/src/main.js',
        {
          PORT: String(gatewayPort),
          HOST: '127.0.0.1',
          QBANK_BASE_URL: sandboxBase,
          QBANK_CLIENT_ID: 'gateway',
          QBANK_CLIENT_SECRET: 'sandbox-secret',
          AUTH_MODE: 'dev',
          AUTH_DEV_KEY_FILE: keyFile,
          DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'gateway.sqlite')}`,
          LOG_LEVEL: 'info',
          // Every request goes upstream, as through the proxy: coalescing would flatter the gateway.
          BALANCES_COALESCE: 'false',
        },
        `http://127.0.0.1:${gatewayPort}/health/live`,
      ),
    );
    services.push(
      await startService(
        'dist/bench/bare-proxy.js',
        { PORT: String(proxyPort), QBANK_BASE_URL: sandboxBase, QBANK_TOKEN: bank },
        `http://127.0.0.1:${proxyPort}/accounts?limit=1`,
      ),
    );

    const keys = ensureDevKeys(keyFile);
    const token = signDevToken(keys, {
      sub: 'bench',
      roles: ['treasury-viewer'],
      ttlSeconds: 3600,
      issuer: 'qbank-gateway-dev',
      audience: 'qbank-gateway',
    });
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/v1/balances/${accountId}`;
    const proxyUrl = `http://127.0.0.1:${proxyPort}/balances/${accountId}`;
    const gatewayHeaders = { authorization: `Bearer ${token}` };

    await load(proxyUrl, { connections: 50, seconds: 3 });
    await load(gatewayUrl, { connections: 50, seconds: 3, headers: gatewayHeaders });
    const proxyRuns: LoadResult[] = [];
    const gatewayRuns: LoadResult[] = [];
    for (let i = 0; i < options.repetitions; i += 1) {
      proxyRuns.push(await load(proxyUrl, { connections: 50, seconds: options.seconds }));
      gatewayRuns.push(await load(gatewayUrl, { connections: 50, seconds: options.seconds, headers: gatewayHeaders }));
    }
    const proxySingle = await load(proxyUrl, { connections: 1, seconds: Math.max(3, options.seconds / 2) });
    const gatewaySingle = await load(gatewayUrl, { connections: 1, seconds: Math.max(3, options.seconds / 2), headers: gatewayHeaders });
    const failures = [...proxyRuns, ...gatewayRuns, proxySingle, gatewaySingle].reduce((n, r) => n + r.non2xx + r.errors, 0);

    const g = {
      rps: median(gatewayRuns.map((r) => r.rps)),
      p50: median(gatewayRuns.map((r) => r.p50)),
      p99: median(gatewayRuns.map((r) => r.p99)),
    };
    const p = {
      rps: median(proxyRuns.map((r) => r.rps)),
      p50: median(proxyRuns.map((r) => r.p50)),
      p99: median(proxyRuns.map((r) => r.p99)),
    };
    return [
      {
        figure: 'balance passthrough, req/s (50 conn, median of runs)',
        gateway: g.rps,
        baseline: p.rps,
        ratio: g.rps / p.rps,
        target: '≥ 0.40',
        pass: g.rps / p.rps >= 0.4,
      },
      { figure: 'balance passthrough, p50 ms (50 conn)', gateway: g.p50, baseline: p.p50, ratio: g.p50 / p.p50, target: '—', pass: null },
      {
        figure: 'balance passthrough, p99 ms (50 conn)',
        gateway: g.p99,
        baseline: p.p99,
        ratio: g.p99 / p.p99,
        target: '≤ 3.0',
        pass: g.p99 / p.p99 <= 3,
      },
      {
        figure: 'latency at 1 connection, mean ms (ratio column: ms the gateway adds)',
        gateway: gatewaySingle.mean,
        baseline: proxySingle.mean,
        ratio: gatewaySingle.mean - proxySingle.mean,
        target: '—',
        pass: null,
      },
      {
        figure: 'failed requests (non-2xx or errors) during the runs',
        gateway: failures,
        baseline: 0,
        ratio: null,
        target: '0',
        pass: failures === 0,
      },
      {
        figure: 'runs (gateway req/s)',
        gateway: null,
        baseline: null,
        ratio: null,
        target: gatewayRuns.map((r) => Math.round(r.rps)).join(' / ') + ' vs proxy ' + proxyRuns.map((r) => Math.round(r.rps)).join(' / '),
        pass: null,
      },
    ];
  } finally {
    for (const service of services.reverse()) await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
