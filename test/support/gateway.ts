import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { startSandbox, type RunningSandbox, type SandboxSettings } from '#qbank/sandbox';
import { ensureDevKeys, signDevToken } from '../../src/auth/dev-keys.js';
import { createGateway } from '../../src/bootstrap.js';
import { Clock } from '../../src/common/clock.js';
import { type GatewayConfig, loadConfig } from '../../src/config/gateway-config.js';
import { TEST_CLOCK_OFFSET_MS } from './clock.js';
import { postgresReady, postgresServerUrl, suitePostgresUrl } from './postgres.js';

export interface TestDatabase {
  env: Record<string, string>;
  drop: () => Promise<void>;
}

/**
 * A new schema on PostgreSQL, dropped by `drop`: on the suite's PostgreSQL (DATABASE_URL=postgres://…), else on
 * one this test file starts for itself (see `postgresServerUrl`).
 */
export function postgresDatabase(url = postgresServerUrl()): TestDatabase {
  const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return {
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    drop: async () => {
      await postgresReady();
      const admin = new DataSource({ type: 'postgres', url });
      await admin.initialize();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    },
  };
}

/** A database of its own for one test file: a new schema on PostgreSQL, a new file on SQLite. */
export function testDatabase(): TestDatabase {
  return suitePostgresUrl ? postgresDatabase() : sqliteFileDatabase();
}

/** A new SQLite file, removed by `drop`, whatever the suite runs on. */
export function sqliteFileDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-gateway-'));
  return {
    env: { DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}` },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestGateway {
  url: string;
  app: NestFastifyApplication;
  config: GatewayConfig;
  sandbox: RunningSandbox;
  db: DataSource;
  /** A dev JWT for this gateway, issued at its clock's "now". */
  token: (sub: string, roles: string[], ttlSeconds?: number) => string;
  /**
   * A JWT of any claims and header, signed with the dev key, for this gateway's issuer and audience; without
   * an `iat` of its own (and unless `noTimestamp`) it is issued at the gateway's clock, `expiresIn` counting from there.
   */
  sign: (payload: Record<string, unknown>, options?: jwt.SignOptions) => string;
  close: () => Promise<void>;
}

/** One dev signing key for every gateway of a test file, so that a token minted for one is good at the others. */
const keyDir = mkdtempSync(join(tmpdir(), 'qbank-keys-'));
export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';

/** The sandbox and the gateway, each listening on a free loopback port, with a database of their own. */
export async function startGateway(
  options: {
    /** Settings, or settings that depend on the sandbox (its accounts, for grants). */
    env?: Record<string, string> | ((sandbox: RunningSandbox) => Promise<Record<string, string>>);
    sandbox?: Partial<SandboxSettings>;
    /**
     * `business-morning` (default): the gateway's clock runs from the next business-day morning in New York
     * (`TEST_CLOCK_OFFSET_MS`), so that payments are sent whatever the hour the suite runs; `real`: the
     * machine's clock, for specs about time itself (token lifetimes against the issuer's clock).
     */
    clock?: 'business-morning' | 'real';
    /** The database (default: `testDatabase()`), e.g. `postgresDatabase()` for a spec run on both. */
    database?: TestDatabase;
  } = {},
): Promise<TestGateway> {
  const clockOffsetMs = options.clock === 'real' ? 0 : TEST_CLOCK_OFFSET_MS;
  // QBank stands at the gateway's time too: payments' timestamps from both sides then agree.
  const sandbox = await startSandbox({
    port: 0,
    quiet: true,
    processingMs: 0,
    achSettleIntervalSeconds: 0,
    clockOffsetMs,
    ...options.sandbox,
  });
  const database = options.database ?? testDatabase();
  await postgresReady(); // a PostgreSQL this file started for `database` may still be starting
  const env = typeof options.env === 'function' ? await options.env(sandbox) : options.env;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    QBANK_BASE_URL: sandbox.baseUrl,
    QBANK_CLIENT_ID: 'gateway',
    QBANK_CLIENT_SECRET: 'sandbox-secret',
    QBANK_MAX_RETRIES: '1',
    AUTH_MODE: 'dev',
    AUTH_DEV_KEY_FILE: join(keyDir, 'dev-signing-key'),
    QBANK_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Each /health asks QBank, so that a test sees the bank's state at once (test/health.e2e-spec.ts: the cache).
    HEALTH_QBANK_CACHE_MS: '0',
    CLOCK_OFFSET_MS: String(clockOffsetMs),
    // Tests sync when they mean to (a fresh database would otherwise sync at start-up); startup.e2e-spec.ts tests that.
    SYNC_ON_STARTUP: 'false',
    ...database.env,
    ...env,
  });
  const app = await createGateway(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  // QBank's webhooks go to this gateway, signed with its secret, retried quickly in tests.
  sandbox.settings.webhookUrl = `http://127.0.0.1:${address.port}/v1/webhooks/qbank`;
  sandbox.settings.webhookSecret = WEBHOOK_SECRET;
  sandbox.settings.webhookRetryBaseMs = 100;
  const keys = ensureDevKeys(config.auth.devKeyFile);
  const clock = app.get(Clock);
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    config,
    sandbox,
    db: app.get(DataSource),
    token: (sub, roles, ttlSeconds = 600) =>
      signDevToken(keys, { sub, roles, ttlSeconds, issuer: config.auth.devIssuer, audience: config.auth.audience, issuedAt: clock.now() }),
    sign: (payload, options) =>
      jwt.sign(
        payload.iat === undefined && !options?.noTimestamp ? { ...payload, iat: Math.floor(clock.now().getTime() / 1000) } : payload,
        keys.privateKey,
        { algorithm: 'RS256', issuer: config.auth.devIssuer, audience: config.auth.audience, ...options },
      ),
    close: async () => {
      await app.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

/** A call to the gateway, as an internal service makes it. */
export async function call(
  gateway: TestGateway,
  method: string,
  path: string,
  init: { token?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body };
}
