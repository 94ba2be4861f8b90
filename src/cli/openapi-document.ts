import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '../bootstrap.js';
import { loadConfig } from '../config/gateway-config.js';

/**
 * `npm run gen:gateway-openapi`: writes the OpenAPI document the gateway serves at `/docs-json` to
 * `libs/gateway-client/openapi/qbank-gateway.json` (or the path given), the file the caller SDK's types
 * come from and `npm run lint` checks. The gateway is built on a throw-away SQLite file and asked for the
 * document through its own route; it never reaches QBank (no sync, nothing sent).
 */
const out = process.argv[2] ?? 'libs/gateway-client/openapi/qbank-gateway.json';
const dir = mkdtempSync(join(tmpdir(), 'qbank-gateway-openapi-'));
try {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    QBANK_BASE_URL: 'http://127.0.0.1:9/v1',
    QBANK_CLIENT_ID: 'openapi',
    QBANK_CLIENT_SECRET: 'openapi-document-only',
    QBANK_WEBHOOK_SECRET: 'whsec_openapi_document_only',
    AUTH_MODE: 'dev',
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    SYNC_ON_STARTUP: 'false',
    SYNC_SCHEDULE_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  });
  const app = await createGateway(config);
  const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
  await app.close();
  if (response.statusCode !== 200) throw new Error(`GET /docs-json answered ${response.statusCode}`);
  writeFileSync(out, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
  process.stdout.write(`${out}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
