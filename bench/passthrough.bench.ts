import { freePort, startBenchGateway, startBenchSandbox } from './stack.js';
import { interleaved, load, startService, summary, type Service } from './support.js';
import type { BenchRow } from './table.js';

/**
 * GET /v1/balances/{id} through the whole gateway (auth, scope guard, audit, logging, metrics) against the
 * two peers of contract §12: (a) a bare keep-alive proxy and (b) the default service a team writes, NestJS
 * on Express with @nestjs/axios (bench/peers/nest-express-peer.ts), both forwarding to the same sandbox with
 * one bank token. Sandbox, gateway, each peer and the load generator run in their own processes; after a
 * warm-up the three are measured in turn (gateway, proxy, Nest peer, gateway, …), medians reported.
 */
export async function passthroughBenchmark(options: { seconds: number; repetitions: number }): Promise<BenchRow[]> {
  const sandbox = await startBenchSandbox();
  const gateway = await startBenchGateway(sandbox.base, {}, ['treasury-viewer']);
  let proxy: Service | undefined;
  let nest: Service | undefined;
  try {
    const [proxyPort, nestPort] = [await freePort(), await freePort()];
    proxy = await startService(
      'dist/bench/bare-proxy.js',
      { PORT: String(proxyPort), QBANK_BASE_URL: sandbox.base, QBANK_TOKEN: sandbox.bank },
      `http://127.0.0.1:${proxyPort}/accounts?limit=1`,
    );
    const nestUrl = `http://127.0.0.1:${nestPort}/v1/balances/${sandbox.accountId}`;
    nest = await startService('dist/bench/peers/nest-express-peer.js', { PORT: String(nestPort), QBANK_BASE_URL: sandbox.base }, nestUrl);
    const gatewayUrl = `${gateway.url}/v1/balances/${sandbox.accountId}`;
    const proxyUrl = `http://127.0.0.1:${proxyPort}/balances/${sandbox.accountId}`;
    const headers = { authorization: `Bearer ${gateway.token}` };

    const targets = [
      { url: gatewayUrl, options: { connections: 50, seconds: options.seconds, headers } },
      { url: proxyUrl, options: { connections: 50, seconds: options.seconds } },
      { url: nestUrl, options: { connections: 50, seconds: options.seconds } },
    ] as const;
    for (const { url, options: o } of targets) await load(url, { ...o, seconds: 3 });
    const runs = await interleaved(targets, options.repetitions);
    const [g, p, n] = [summary(runs[0]), summary(runs[1]), summary(runs[2])];
    const single = Math.max(3, options.seconds / 2);
    const proxySingle = await load(proxyUrl, { connections: 1, seconds: single });
    const gatewaySingle = await load(gatewayUrl, { connections: 1, seconds: single, headers });
    const failures = g.failed + p.failed + n.failed + [proxySingle, gatewaySingle].reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    return [
      {
        figure: 'balance passthrough, req/s (50 conn, median of runs), baseline: bare keep-alive proxy',
        gateway: g.rps,
        baseline: p.rps,
        ratio: g.rps / p.rps,
        target: '≥ 0.40',
        pass: g.rps / p.rps >= 0.4,
      },
      {
        figure: 'balance passthrough, p50 ms (50 conn), baseline: bare proxy',
        gateway: g.p50,
        baseline: p.p50,
        ratio: g.p50 / p.p50,
        target: '—',
        pass: null,
      },
      {
        figure: 'balance passthrough, p99 ms (50 conn), baseline: bare proxy',
        gateway: g.p99,
        baseline: p.p99,
        ratio: g.p99 / p.p99,
        target: '≤ 3.0',
        pass: g.p99 / p.p99 <= 3,
      },
      {
        figure: 'balance passthrough, req/s (50 conn, median of runs), baseline: NestJS on Express + @nestjs/axios peer',
        gateway: g.rps,
        baseline: n.rps,
        ratio: g.rps / n.rps,
        target: '—',
        pass: null,
      },
      {
        figure: 'balance passthrough, p99 ms (50 conn), baseline: NestJS on Express + @nestjs/axios peer',
        gateway: g.p99,
        baseline: n.p99,
        ratio: g.p99 / n.p99,
        target: '—',
        pass: null,
      },
      {
        // One connection, one request at a time: the mean latency is the inverse of the request rate.
        figure: 'latency at 1 connection, mean ms, baseline: bare proxy (ratio column: ms the gateway adds)',
        gateway: 1000 / gatewaySingle.rps,
        baseline: 1000 / proxySingle.rps,
        ratio: 1000 / gatewaySingle.rps - 1000 / proxySingle.rps,
        target: '—',
        pass: null,
      },
      {
        figure: 'failed requests (non-2xx or errors) during the runs, gateway and both peers',
        gateway: failures,
        baseline: 0,
        ratio: null,
        target: '0',
        pass: failures === 0,
      },
      {
        figure: 'runs (balance reads/s, in the order measured)',
        gateway: null,
        baseline: null,
        ratio: null,
        target: `gateway ${g.each} vs proxy ${p.each} vs Nest + Express ${n.each}`,
        pass: null,
      },
    ];
  } finally {
    await nest?.stop();
    await proxy?.stop();
    await gateway.stop();
    await sandbox.service.stop();
  }
}
