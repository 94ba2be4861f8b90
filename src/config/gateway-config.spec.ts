import { ConfigError, loadConfig } from './gateway-config.js';

const external = { QBANK_BASE_URL: 'http://127.0.0.1:4010/v1', QBANK_CLIENT_ID: 'gateway', QBANK_CLIENT_SECRET: 'sandbox-secret' };

function problem(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('configuration was accepted');
}

describe('loadConfig', () => {
  it('sandbox mode without QBANK_BASE_URL: the bundled sandbox, SQLite, dev auth', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      sandboxMode: true,
      sandboxPort: 4010,
      server: { port: 3000 },
      database: { url: 'sqlite:./data/gateway.sqlite', migrationUrl: 'sqlite:./data/gateway.sqlite' },
      qbank: { baseUrl: 'http://127.0.0.1:4010/v1', clientId: 'gateway', clientSecret: 'sandbox-secret' },
      auth: { mode: 'dev', devKeyFile: './data/dev-signing-key' },
    });
    expect(config.qbank.webhookSecrets).toHaveLength(1);
  });

  it('logs: pretty in sandbox mode, JSON for a pipeline (no terminal), LOG_FORMAT wins, anything else named', () => {
    expect(loadConfig({}).server.logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).server.logFormat).toBe('json');
    const tty = process.stdout.isTTY;
    try {
      process.stdout.isTTY = false;
      expect(
        loadConfig({ ...external, AUTH_JWKS_URL: 'https://idp.internal/jwks.json', AUTH_ISSUER: 'https://idp.internal' }).server.logFormat,
      ).toBe('json');
      process.stdout.isTTY = true;
      expect(
        loadConfig({ ...external, AUTH_JWKS_URL: 'https://idp.internal/jwks.json', AUTH_ISSUER: 'https://idp.internal' }).server.logFormat,
      ).toBe('pretty');
      expect(
        loadConfig({
          ...external,
          AUTH_JWKS_URL: 'https://idp.internal/jwks.json',
          AUTH_ISSUER: 'https://idp.internal',
          LOG_FORMAT: 'json',
        }).server.logFormat,
      ).toBe('json');
    } finally {
      process.stdout.isTTY = tty;
    }
    expect(problem({ LOG_FORMAT: 'text' })).toContain('LOG_FORMAT');
  });

  it('the environment overrides the files, typed', () => {
    const config = loadConfig({ PORT: '8080', SANDBOX_PORT: '4999', AUDIT_DURABLE_READS: 'true', DATABASE_URL: 'postgres://u@h/db' });
    expect(config.server.port).toBe(8080);
    expect(config.qbank.baseUrl).toBe('http://127.0.0.1:4999/v1');
    expect(config.audit.durableReads).toBe(true);
    expect(config.database.migrationUrl).toBe('postgres://u@h/db');
  });

  it('a bad value stops start-up with a message naming the setting', () => {
    expect(problem({ PORT: 'eighty' })).toContain('PORT (server.port)');
    expect(problem({ DATABASE_URL: 'mysql://x' })).toContain('DATABASE_URL');
    expect(problem({ LOG_LEVEL: 'loud' })).toContain('LOG_LEVEL');
    expect(problem({ AUDIT_FLUSH_INTERVAL_MS: '5000' })).toContain('AUDIT_FLUSH_INTERVAL_MS');
    expect(problem({ QBANK_BASE_URL: 'not a url' })).toContain('QBANK_BASE_URL');
  });

  it("the longest a caller's token may live: a day by default, bounded, named when wrong", () => {
    expect(loadConfig({}).auth.maxTokenTtlSeconds).toBe(86_400);
    expect(loadConfig({ AUTH_MAX_TOKEN_TTL_SECONDS: '3600' }).auth.maxTokenTtlSeconds).toBe(3600);
    expect(problem({ AUTH_MAX_TOKEN_TTL_SECONDS: 'a day' })).toContain('AUTH_MAX_TOKEN_TTL_SECONDS (auth.maxTokenTtlSeconds)');
    expect(problem({ AUTH_MAX_TOKEN_TTL_SECONDS: '315360000' })).toContain('AUTH_MAX_TOKEN_TTL_SECONDS');
    expect(problem({ AUTH_MAX_TOKEN_TTL_SECONDS: '0' })).toContain('AUTH_MAX_TOKEN_TTL_SECONDS');
  });

  it('outside sandbox mode: QBank credentials and, by default, a JWKS URL or public key with an issuer', () => {
    expect(problem({ QBANK_BASE_URL: 'http://127.0.0.1:4010/v1' })).toMatch(/QBANK_CLIENT_ID[\s\S]*QBANK_CLIENT_SECRET/);
    const message = problem(external);
    expect(message).toContain('AUTH_JWKS_URL or AUTH_PUBLIC_KEY');
    expect(message).toContain('AUTH_ISSUER');
    expect(loadConfig({ ...external, AUTH_JWKS_URL: 'https://idp.internal/jwks', AUTH_ISSUER: 'https://idp.internal' }).auth.mode).toBe(
      'jwks',
    );
    // An external sandbox with dev tokens is ordinary configuration outside production.
    expect(loadConfig({ ...external, AUTH_MODE: 'dev' }).sandboxMode).toBe(false);
  });

  it('production refuses dev auth, sandbox credentials, placeholder secrets and sandbox mode', () => {
    const message = problem({ ...external, NODE_ENV: 'production', AUTH_MODE: 'dev', QBANK_WEBHOOK_SECRET: 'changeme' });
    expect(message).toContain('AUTH_MODE');
    expect(message).toContain('QBANK_CLIENT_SECRET');
    expect(message).toContain('QBANK_WEBHOOK_SECRET');
    expect(problem({ NODE_ENV: 'production' })).toContain('QBANK_BASE_URL');
    const ok = loadConfig({
      ...external,
      NODE_ENV: 'production',
      QBANK_CLIENT_SECRET: 'a-real-and-long-secret-from-the-vault',
      QBANK_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      AUTH_JWKS_URL: 'https://idp.internal/jwks',
      AUTH_ISSUER: 'https://idp.internal',
      REQUEST_ENCRYPTION_KEYS: `k2026:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(ok.nodeEnv).toBe('production');
    expect(ok.clockOffsetMs).toBe(0);
  });

  it('a moved clock (CLOCK_OFFSET_MS) is for tests and sandboxes: read as an integer, refused in production', () => {
    expect(loadConfig({ CLOCK_OFFSET_MS: '-3600000' }).clockOffsetMs).toBe(-3_600_000);
    expect(problem({ CLOCK_OFFSET_MS: 'soon' })).toContain('CLOCK_OFFSET_MS');
    expect(problem({ ...external, NODE_ENV: 'production', CLOCK_OFFSET_MS: '60000' })).toContain(
      'CLOCK_OFFSET_MS: a moved clock is for tests and sandboxes',
    );
  });

  it('request encryption keys: well-formed, and the published development key never in production', () => {
    expect(problem({ ...external, REQUEST_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toContain('REQUEST_ENCRYPTION_KEYS');
    expect(problem({ ...external, REQUEST_ENCRYPTION_KEYS: `:${Buffer.alloc(32).toString('base64')}` })).toContain(
      'REQUEST_ENCRYPTION_KEYS',
    );
    expect(loadConfig({ ...external, AUTH_MODE: 'dev' }).idempotency.requestKeys).toMatch(/^dev:/);
    const production = {
      ...external,
      NODE_ENV: 'production',
      QBANK_CLIENT_SECRET: 'a-real-and-long-secret-from-the-vault',
      QBANK_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
    };
    expect(problem(production)).toContain('REQUEST_ENCRYPTION_KEYS: the development key is refused in production');
    // Rotation: the new key first, the old one kept to open what it sealed.
    const two = `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`;
    expect(loadConfig({ ...external, AUTH_MODE: 'dev', REQUEST_ENCRYPTION_KEYS: two }).idempotency.requestKeys).toBe(two);
  });
});
