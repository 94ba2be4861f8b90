import { Logger } from '@nestjs/common';
import { QBankClient } from '#qbank/client';
import { ensureDevKeys, signDevToken } from './auth/dev-keys.js';
import { createGateway } from './bootstrap.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config/gateway-config.js';
import { DatabaseUnreachableError } from './database/open-errors.js';
import { SyncScheduler } from './sync/sync.scheduler.js';

/**
 * A fatal start-up error in one line, then exit: as JSON for a log pipeline, as text for a person. Before
 * the configuration is known, LOG_FORMAT or, unset, whether a person reads stderr decides.
 */
function exitWith(code: number, message: string, format = process.env.LOG_FORMAT || (process.stderr.isTTY ? 'pretty' : 'json')): never {
  process.stderr.write(
    format === 'json' ? `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), msg: message })}\n` : `${message}\n`,
  );
  process.exit(code);
}

function configOrExit(): GatewayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(78, error.message); // EX_CONFIG
    throw error;
  }
}

/** Opening the database failed: a bad setting exits 78 as above, PostgreSQL not answering 75 (EX_TEMPFAIL). */
function exitOnDatabaseError(error: unknown): never {
  const code = error instanceof ConfigError ? 78 : error instanceof DatabaseUnreachableError ? 75 : undefined;
  if (code === undefined) throw error;
  exitWith(code, (error as Error).message, config.server.logFormat);
}

const config = configOrExit();
// The bundled sandbox is loaded only in sandbox mode: a gateway in front of the real bank does not carry it.
const sandbox = config.sandboxMode ? await (await import('./sandbox-mode.js')).startBundledSandbox(config) : undefined;
const app = await createGateway(config).catch(exitOnDatabaseError);
app.enableShutdownHooks();
// The shutdown's outer deadline: draining, then in-flight requests, then the audit flush — or exit anyway.
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    setTimeout(() => {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'shutdown deadline passed: exiting' })}\n`,
      );
      process.exit(1);
    }, config.server.shutdownDrainMs + config.server.shutdownTimeoutMs).unref();
  });
await app.listen({ port: config.server.port, host: config.server.host });
const logger = new Logger('Gateway');
logger.log({ port: config.server.port, sandbox_mode: config.sandboxMode, qbank: config.qbank.baseUrl }, 'QBank gateway listening');

if (sandbox) {
  app.getHttpServer().once('close', () => void sandbox.close());
  // The banner comes last, once the seeded data is in: the curl it prints then answers at once.
  await app.get(SyncScheduler).whenStarted();
  const account = (await app.get(QBankClient).listAccounts({ limit: 1 })).data.data[0]?.account_id;
  const token = signDevToken(ensureDevKeys(config.auth.devKeyFile), {
    sub: 'dev-cli',
    roles: ['treasury-viewer'],
    ttlSeconds: Math.min(12 * 3600, config.auth.maxTokenTtlSeconds),
    issuer: config.auth.devIssuer,
    audience: config.auth.audience,
  });
  const host = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
  const gatewayUrl = `http://${host}:${config.server.port}`;
  process.stdout.write(
    `\nQBank gateway, sandbox mode\n` +
      `  gateway   ${gatewayUrl}  (API reference: ${gatewayUrl}/docs)\n` +
      `  sandbox   ${sandbox.baseUrl}  (a stand-in for QBank Connect, with seeded accounts)\n` +
      `  database  ${config.database.url}\n\n` +
      `Try it with a treasury-viewer token (valid ${Math.min(12 * 3600, config.auth.maxTokenTtlSeconds) / 3600} h; ` +
      `mint others with npm run token -- --sub <id> --roles <role,…>):\n\n` +
      `curl -s -H "Authorization: Bearer ${token}" ${gatewayUrl}/v1/balances/${account}\n\n`,
  );
}
