import { createServer, request, Agent } from 'node:http';

/**
 * The baseline: a bare Node keep-alive proxy that forwards each request to QBank with one bank token —
 * no auth of callers, no audit, no logging. `QBANK_BASE_URL`, `QBANK_TOKEN`, `PORT` from the environment.
 */
const base = new URL(process.env.QBANK_BASE_URL ?? 'http://127.0.0.1:4010/v1');
const token = process.env.QBANK_TOKEN ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const prefix = base.pathname.replace(/\/$/, '');

const server = createServer((req, res) => {
  const upstream = request(
    {
      host: base.hostname,
      port: base.port,
      path: `${prefix}${req.url ?? '/'}`,
      method: req.method,
      agent,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 3900), '127.0.0.1', () => process.stdout.write('bare proxy ready\n'));
