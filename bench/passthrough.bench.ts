import { freePort, startBenchGateway, startBenchSandbox } from './stack.js';
import { load, median, startService, type LoadResult, type Service } from './support.js';
import type { BenchRow } from './table.js';

/**
 * GET /v1/balances/{id} through the whole gateway (auth, scope guard, audit, logging, metrics) against a
 * bare keep-alive proxy to the same sandbox. Sandbox, gateway, proxy and load generator each run in
 * their own process; the two targets are measured alternately, three times, after a warm-up.
 */
export async function passthroughBenchmark(options: { seconds: number; repetitions: number }): Promise<BenchRow[]> {
  const sandbox = await startBenchSandbox();
  const gateway = await startBenchGateway(sandbox.base, {}, ['treasury-viewer']);
  let proxy: Service | undefined;
  try {
    const proxyPort = await freePort();
    proxy = await startService(
      'dist/bench/bare-proxy.js',
      { PORT: String(proxyPort), QBANK_BASE_URL: sandbox.base, QBANK_TOKEN: sandbox.bank },
      `http://127.0.0.1:${proxyPort}/accounts?limit=1`,
    );
    const gatewayUrl = `${gateway.url}/v1/balances/${sandbox.accountId}`;
    const proxyUrl = `http://127.0.0.1:${proxyPort}/balances/${sandbox.accountId}`;
    const headers = { authorization: `Bearer ${gateway.token}` };

    await load(proxyUrl, { connections: 50, seconds: 3 });
    await load(gatewayUrl, { connections: 50, seconds: 3, headers });
    const proxyRuns: LoadResult[] = [];
    const gatewayRuns: LoadResult[] = [];
    for (let i = 0; i < options.repetitions; i += 1) {
      proxyRuns.push(await load(proxyUrl, { connections: 50, seconds: options.seconds }));
      gatewayRuns.push(await load(gatewayUrl, { connections: 50, seconds: options.seconds, headers }));
    }
    const proxySingle = await load(proxyUrl, { connections: 1, seconds: Math.max(3, options.seconds / 2) });
    const gatewaySingle = await load(gatewayUrl, { connections: 1, seconds: Math.max(3, options.seconds / 2), headers });
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
        // One connection, one request at a time: the mean latency is the inverse of the request rate.
        figure: 'latency at 1 connection, mean ms (ratio column: ms the gateway adds)',
        gateway: 1000 / gatewaySingle.rps,
        baseline: 1000 / proxySingle.rps,
        ratio: 1000 / gatewaySingle.rps - 1000 / proxySingle.rps,
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
        target: `${gatewayRuns.map((r) => Math.round(r.rps)).join(' / ')} vs proxy ${proxyRuns.map((r) => Math.round(r.rps)).join(' / ')}`,
        pass: null,
      },
    ];
  } finally {
    await proxy?.stop();
    await gateway.stop();
    await sandbox.service.stop();
  }
}
