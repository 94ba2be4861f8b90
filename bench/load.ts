import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * The load generator, always in a process of its own: `node dist/bench/load.js '<json options>'`.
 * `freshKey` gives every request a new Idempotency-Key (new payments); otherwise requests are identical.
 */
interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  freshKey?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.seconds,
  requests: [
    {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      ...(options.freshKey
        ? {
            setupRequest: (request: autocannon.Request) => ({
              ...request,
              headers: { ...request.headers, 'idempotency-key': randomUUID() },
            }),
          }
        : {}),
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }),
);
