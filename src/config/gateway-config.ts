import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { parse } from 'yaml';
import { parseApprovalPolicies, type ApprovalPolicy } from '../approvals/approval-policy.js';
import { parseGrants, type GrantsTable } from '../auth/grants.js';
import { parseSealingKeys } from '../idempotency/request-sealer.js';
import { IsPlainDate } from '../common/validators.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;
export const SANDBOX_CLIENT_SECRET = 'sandbox-secret';
/** Outside production, requests are sealed with this published key unless `REQUEST_ENCRYPTION_KEYS` names others. */
export const DEV_REQUEST_KEYS = `dev:${Buffer.alloc(32, 'qbank-gateway-dev-only').toString('base64')}`;

export class ServerConfig {
  @IsInt() @Min(0) @Max(65535) port!: number;
  @IsString() host!: string;
  @IsInt() @Min(1024) bodyLimitBytes!: number;
  @IsIn(LOG_LEVELS) logLevel!: (typeof LOG_LEVELS)[number];
  /** `pretty`: one readable line per entry, for a person at a terminal; `json`: one JSON object per line, for a log pipeline. */
  @IsIn(LOG_FORMATS) logFormat!: (typeof LOG_FORMATS)[number];
  /** After SIGTERM: how long readiness answers 503 (and answers say `Connection: close`) while still serving, so a load balancer drains the replica. */
  @IsInt() @Min(0) @Max(120_000) shutdownDrainMs!: number;
  /** The most a client may take to send a whole request (slow senders are cut off with 408). */
  @IsInt() @Min(1000) @Max(600_000) requestTimeoutMs!: number;
  /** Then: how long in-flight requests may take to finish before the process exits anyway. */
  @IsInt() @Min(100) @Max(300_000) shutdownTimeoutMs!: number;
}

export class DatabaseConfig {
  @Matches(/^(postgres(ql)?:\/\/.+|sqlite:.+)$/, { message: 'must be postgres://… or sqlite:<path>' }) url!: string;
  @Matches(/^(postgres(ql)?:\/\/.+|sqlite:.+)$/, { message: 'must be postgres://… or sqlite:<path>' }) migrationUrl!: string;
  @IsBoolean() migrateOnStart!: boolean;
  /** PostgreSQL schema (tests use one per run); default `public`. */
  @IsOptional() @Matches(/^[a-z_][a-z0-9_]{0,62}$/) schema?: string;
  /**
   * PostgreSQL: the role the gateway runs as (`DATABASE_URL`'s user) when it differs from the tables'
   * owner (`DATABASE_MIGRATION_URL`'s). After migrating, the owner grants it what it needs and no more:
   * SELECT and INSERT only on the audit tables.
   */
  @IsOptional() @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a plain PostgreSQL role name' }) appRole?: string;
}

export class QBankConfig {
  @Matches(/^https?:\/\/[^\s/]+(\/\S*)?$/, {
    message: 'must be an http(s) URL including the version prefix, e.g. http://127.0.0.1:4010/v1',
  })
  baseUrl!: string;
  @IsString() @MinLength(1, { message: 'is required' }) clientId!: string;
  @IsString() @MinLength(1, { message: 'is required' }) clientSecret!: string;
  @IsString({ each: true }) webhookSecrets!: string[];
  @IsInt() @Min(100) timeoutMs!: number;
  @IsInt() @Min(0) @Max(10) maxRetries!: number;
  @IsInt() @Min(1) @Max(1024) connections!: number;
  /** Consecutive failures of one operation that open its circuit (0: no breaker). */
  @IsInt() @Min(0) @Max(1000) breakerFailures!: number;
  /** How long an open circuit fails fast before a probe. */
  @IsInt() @Min(100) @Max(600_000) breakerOpenMs!: number;
  /** Calls to QBank in flight at once per process (0: no cap). */
  @IsInt() @Min(0) @Max(100_000) maxConcurrent!: number;
  /** QBank's published rate limit for this client, per process: calls per second and burst (0: none). */
  @IsInt() @Min(0) @Max(1_000_000) ratePerSecond!: number;
  @IsInt() @Min(0) @Max(1_000_000) rateBurst!: number;
}

export class AuthConfig {
  @IsIn(['dev', 'jwks']) mode!: 'dev' | 'jwks';
  @IsString() devKeyFile!: string;
  @IsString() devIssuer!: string;
  @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' }) jwksUrl?: string;
  @IsOptional() @Matches(/-----BEGIN (RSA |EC )?PUBLIC KEY-----/, { message: 'must be a PEM public key' }) publicKey?: string;
  @IsOptional() @IsString() @MinLength(1) issuer?: string;
  @IsString() @MinLength(1) audience!: string;
  /**
   * The longest a caller's token may live (`exp - iat`, or `exp - now` without `iat`): a leaked bearer
   * token is good until it expires, so a token valid for years is refused however well it is signed.
   */
  @IsInt() @Min(60) @Max(604_800) maxTokenTtlSeconds!: number;
}

export class AuditConfig {
  /** Only for measuring what auditing costs (`npm run bench`); production refuses `false`. */
  @IsBoolean() enabled!: boolean;
  @IsInt() @Min(10) @Max(1000) flushIntervalMs!: number;
  @IsInt() @Min(1) @Max(10_000) maxBatchSize!: number;
  @IsBoolean() durableReads!: boolean;
  /** `npm run audit:retention` removes whole UTC days older than this (7 years by default: SOX keeps 7). */
  @IsInt() @Min(1) @Max(36_500) retentionDays!: number;
}

export class IdempotencyConfig {
  /** How long a request may hold its key before a retry may take it over (its holder is presumed dead). */
  @IsInt() @Min(1) @Max(3600) leaseSeconds!: number;
  @IsInt() @Min(1) @Max(24 * 365) retentionHours!: number;
  /**
   * `REQUEST_ENCRYPTION_KEYS`: `<id>:<32 bytes in base64>`, comma-separated, the sealing key first. They seal
   * what re-sending a request needs (full account numbers) until QBank has answered it.
   */
  @IsString() requestKeys!: string;
}

export class PaymentsConfig {
  /** How often the recovery job looks for payments whose QBank answer was lost. */
  @IsInt() @Min(1) @Max(86_400) recoveryIntervalSeconds!: number;
  /** How often the scheduler looks for scheduled payments whose window has opened. */
  @IsInt() @Min(1) @Max(86_400) schedulerIntervalSeconds!: number;
}

export class ApprovalsConfig {
  /** How often the expiry job ends payments whose approval window has passed. */
  @IsInt() @Min(1) @Max(86_400) expiryIntervalSeconds!: number;
  /** A policy without `expires_after_hours`: the payment expires this long after it was initiated. */
  @IsInt() @Min(1) @Max(24 * 31) defaultExpiryHours!: number;
  /** From `approvals.yaml`, validated by `parseApprovalPolicies`. */
  policies!: ApprovalPolicy[];
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const TIME_OF_DAY_MESSAGE = { message: 'must be a time of day HH:MM' };

/** QBank's deadlines per rail, wall clock of `calendar.timeZone`. */
export class CalendarDeadlines {
  @Matches(TIME_OF_DAY, TIME_OF_DAY_MESSAGE) wire!: string;
  @Matches(TIME_OF_DAY, TIME_OF_DAY_MESSAGE) transfer!: string;
  @Matches(TIME_OF_DAY, { ...TIME_OF_DAY_MESSAGE, each: true }) achSameDay!: string[];
  @Matches(TIME_OF_DAY, TIME_OF_DAY_MESSAGE) achNextDay!: string;
}

/** The banking calendar (contract §15): time zone, QBank's deadlines, the gateway's margin, extra closures. */
export class CalendarConfig {
  @IsString() timeZone!: string;
  /** Each of QBank's deadlines less this is the gateway's cutoff. */
  @IsInt() @Min(0) @Max(240) cutoffMarginMinutes!: number;
  /** When a business day's windows open: payments scheduled for it are released then. */
  @Matches(TIME_OF_DAY, TIME_OF_DAY_MESSAGE) opensAt!: string;
  @ValidateNested() @Type(() => CalendarDeadlines) deadlines!: CalendarDeadlines;
  /** Days closed beyond the Federal Reserve's holidays (`YYYY-MM-DD`). */
  @IsPlainDate({ each: true }) extraClosures!: string[];
  /** The largest same-day ACH entry. */
  @Matches(/^\d{1,15}(\.\d{1,2})?$/, { message: 'must be an amount as a string ("1000000.00")' }) achSameDayLimit!: string;
}

export class EventsConfig {
  /** Seconds to wait before each retry of a delivery, comma-separated; after the last, the delivery has failed. */
  @Matches(/^\d{1,6}(,\d{1,6}){0,29}$/, { message: 'must be seconds, comma-separated (e.g. 5,300,1800)' }) retrySchedule!: string;
  /** How often each replica's delivery worker looks for due deliveries (it also starts right after an event on its replica). */
  @IsInt() @Min(10) @Max(600_000) deliveryIntervalMs!: number;
  /** A subscriber must answer within this; past it the attempt has failed. */
  @IsInt() @Min(100) @Max(60_000) deliveryTimeoutMs!: number;
  /** Delivered events (and their attempts) older than this are removed by the leased retention job. */
  @IsInt() @Min(1) @Max(36_500) retentionDays!: number;
  @IsInt() @Min(1) @Max(86_400) retentionIntervalSeconds!: number;
}

/** `EVENTS_RETRY_SCHEDULE` as milliseconds. */
export const retryDelaysMs = (events: EventsConfig): number[] => events.retrySchedule.split(',').map((s) => Number(s) * 1000);

export class WebhooksConfig {
  @IsInt() @Min(1) @Max(3600) toleranceSeconds!: number;
}

export class SyncSchedule {
  @IsString() accounts!: string;
  @IsString() transactions!: string;
  @IsString() positivePayExceptions!: string;
}

export class SyncConfig {
  /** Cron expressions (with `timeZone`) of the nightly runs: just after QBank publishes. */
  @ValidateNested() @Type(() => SyncSchedule) schedule!: SyncSchedule;
  @IsString() timeZone!: string;
  @IsBoolean() scheduleEnabled!: boolean;
  /**
   * At start-up: `true` runs every sync (the default in sandbox mode), `false` none; unset, the syncs of the
   * resources never synced successfully, so that a new deployment has data before the first nightly run.
   */
  @IsOptional() @IsBoolean() onStartup?: boolean;
  @IsInt() @Min(5) @Max(3600) leaseSeconds!: number;
  /** Transactions are re-read from this far before the latest stored posting (late postings). */
  @IsInt() @Min(0) @Max(24 * 31) overlapHours!: number;
  /** A resource older than this makes `/health` report it degraded. */
  @IsInt() @Min(1) @Max(24 * 31) maxAgeHours!: number;
}

export class ReconciliationConfig {
  /** A completed payment's posting is late this many business days after its expected settlement date. */
  @IsInt() @Min(0) @Max(30) postingGraceDays!: number;
}

export class HealthConfig {
  /** How long the QBank probe's result answers `/health` (shared by concurrent probes). */
  @IsInt() @Min(0) @Max(600_000) qbankCacheMs!: number;
}

export class BalancesConfig {
  @IsBoolean() coalesce!: boolean;
}

/** The gateway's whole configuration: `config/*.yaml` overridden by the environment, validated once at boot. */
/** The most one caller may move with one payment type: per payment and per UTC day, as decimal strings. */
export interface PaymentLimit {
  perPayment?: string;
  perDay?: string;
}
export type PaymentLimits = Partial<Record<'WIRE' | 'TRANSFER' | 'ACH', PaymentLimit>>;

export class LimitsConfig {
  /** Requests per second per caller (JWT `sub`), per replica; 0: no limit. */
  @IsInt() @Min(0) @Max(1_000_000) callerRatePerSecond!: number;
  @IsInt() @Min(1) @Max(1_000_000) callerBurst!: number;
  /** Payment limits by role (a caller gets the highest its roles grant) and by caller (overrides its roles). */
  payments!: { roles?: Record<string, PaymentLimits>; callers?: Record<string, PaymentLimits> };
}

export class GatewayConfig {
  @IsIn(['development', 'test', 'production']) nodeEnv!: 'development' | 'test' | 'production';
  /** No `QBANK_BASE_URL`: the bundled sandbox is started and used. */
  @IsBoolean() sandboxMode!: boolean;
  @IsInt() @Min(0) @Max(65535) sandboxPort!: number;
  @ValidateNested() @Type(() => ServerConfig) server!: ServerConfig;
  @ValidateNested() @Type(() => DatabaseConfig) database!: DatabaseConfig;
  @ValidateNested() @Type(() => QBankConfig) qbank!: QBankConfig;
  @ValidateNested() @Type(() => AuthConfig) auth!: AuthConfig;
  @ValidateNested() @Type(() => AuditConfig) audit!: AuditConfig;
  @ValidateNested() @Type(() => BalancesConfig) balances!: BalancesConfig;
  @ValidateNested() @Type(() => HealthConfig) health!: HealthConfig;
  @ValidateNested() @Type(() => ReconciliationConfig) reconciliation!: ReconciliationConfig;
  @ValidateNested() @Type(() => IdempotencyConfig) idempotency!: IdempotencyConfig;
  @ValidateNested() @Type(() => PaymentsConfig) payments!: PaymentsConfig;
  @ValidateNested() @Type(() => ApprovalsConfig) approvals!: ApprovalsConfig;
  @ValidateNested() @Type(() => CalendarConfig) calendar!: CalendarConfig;
  @ValidateNested() @Type(() => WebhooksConfig) webhooks!: WebhooksConfig;
  @ValidateNested() @Type(() => EventsConfig) events!: EventsConfig;
  @ValidateNested() @Type(() => SyncConfig) sync!: SyncConfig;
  @ValidateNested() @Type(() => LimitsConfig) limits!: LimitsConfig;
  /**
   * `CLOCK_OFFSET_MS`: the gateway's clock runs this far from the machine's, for tests and sandboxes that
   * must stand at a given banking day and hour (a process has no other way to be moved); production refuses it.
   */
  @IsInt() @Min(-10 * 366 * 86_400_000) @Max(10 * 366 * 86_400_000) clockOffsetMs!: number;
  /** Role → scopes, from `roles.yaml`. */
  roles!: Record<string, string[]>;
  /** Role and caller → the accounts they may read and debit, from `roles.yaml` (none: every account). */
  grants?: GrantsTable;
  /** `CONFIG_DIR`: where `default.yaml`, `roles.yaml` and `approvals.yaml` were read. */
  configDir!: string;
}

export class ConfigError extends Error {}

/** Which environment variable sets each setting, so that errors name what the operator can change. */
const ENV: Record<string, string> = {
  nodeEnv: 'NODE_ENV',
  clockOffsetMs: 'CLOCK_OFFSET_MS',
  sandboxPort: 'SANDBOX_PORT',
  'server.port': 'PORT',
  'server.host': 'HOST',
  'server.bodyLimitBytes': 'BODY_LIMIT_BYTES',
  'server.logLevel': 'LOG_LEVEL',
  'server.logFormat': 'LOG_FORMAT',
  'server.requestTimeoutMs': 'REQUEST_TIMEOUT_MS',
  'server.shutdownDrainMs': 'SHUTDOWN_DRAIN_MS',
  'server.shutdownTimeoutMs': 'SHUTDOWN_TIMEOUT_MS',
  'database.url': 'DATABASE_URL',
  'database.migrationUrl': 'DATABASE_MIGRATION_URL',
  'database.migrateOnStart': 'DATABASE_MIGRATE_ON_START',
  'database.schema': 'DATABASE_SCHEMA',
  'database.appRole': 'DATABASE_APP_ROLE',
  'qbank.baseUrl': 'QBANK_BASE_URL',
  'qbank.clientId': 'QBANK_CLIENT_ID',
  'qbank.clientSecret': 'QBANK_CLIENT_SECRET',
  'qbank.webhookSecrets': 'QBANK_WEBHOOK_SECRET',
  'qbank.timeoutMs': 'QBANK_TIMEOUT_MS',
  'qbank.maxRetries': 'QBANK_MAX_RETRIES',
  'qbank.connections': 'QBANK_CONNECTIONS',
  'qbank.breakerFailures': 'QBANK_BREAKER_FAILURES',
  'qbank.breakerOpenMs': 'QBANK_BREAKER_OPEN_MS',
  'qbank.maxConcurrent': 'QBANK_MAX_CONCURRENT',
  'qbank.ratePerSecond': 'QBANK_RATE_LIMIT_PER_SECOND',
  'qbank.rateBurst': 'QBANK_RATE_LIMIT_BURST',
  'auth.mode': 'AUTH_MODE',
  'auth.devKeyFile': 'AUTH_DEV_KEY_FILE',
  'auth.jwksUrl': 'AUTH_JWKS_URL',
  'auth.publicKey': 'AUTH_PUBLIC_KEY',
  'auth.issuer': 'AUTH_ISSUER',
  'auth.audience': 'AUTH_AUDIENCE',
  'auth.maxTokenTtlSeconds': 'AUTH_MAX_TOKEN_TTL_SECONDS',
  'audit.enabled': 'AUDIT_ENABLED',
  'audit.flushIntervalMs': 'AUDIT_FLUSH_INTERVAL_MS',
  'audit.maxBatchSize': 'AUDIT_MAX_BATCH_SIZE',
  'audit.retentionDays': 'AUDIT_RETENTION_DAYS',
  'audit.durableReads': 'AUDIT_DURABLE_READS',
  'balances.coalesce': 'BALANCES_COALESCE',
  'health.qbankCacheMs': 'HEALTH_QBANK_CACHE_MS',
  'reconciliation.postingGraceDays': 'RECONCILIATION_POSTING_GRACE_DAYS',
  'idempotency.leaseSeconds': 'IDEMPOTENCY_LEASE_SECONDS',
  'idempotency.retentionHours': 'IDEMPOTENCY_RETENTION_HOURS',
  'idempotency.requestKeys': 'REQUEST_ENCRYPTION_KEYS',
  'payments.recoveryIntervalSeconds': 'PAYMENTS_RECOVERY_INTERVAL_SECONDS',
  'payments.schedulerIntervalSeconds': 'SCHEDULER_INTERVAL_SECONDS',
  'approvals.expiryIntervalSeconds': 'APPROVALS_EXPIRY_INTERVAL_SECONDS',
  'approvals.defaultExpiryHours': 'APPROVALS_DEFAULT_EXPIRY_HOURS',
  'calendar.cutoffMarginMinutes': 'CUTOFF_MARGIN_MINUTES',
  'calendar.extraClosures': 'CALENDAR_EXTRA_CLOSURES',
  'webhooks.toleranceSeconds': 'WEBHOOK_TOLERANCE_SECONDS',
  'events.retrySchedule': 'EVENTS_RETRY_SCHEDULE',
  'events.deliveryIntervalMs': 'EVENTS_DELIVERY_INTERVAL_MS',
  'events.deliveryTimeoutMs': 'EVENTS_DELIVERY_TIMEOUT_MS',
  'events.retentionDays': 'EVENTS_RETENTION_DAYS',
  'events.retentionIntervalSeconds': 'EVENTS_RETENTION_INTERVAL_SECONDS',
  'sync.schedule.accounts': 'SYNC_ACCOUNTS_CRON',
  'sync.schedule.transactions': 'SYNC_TRANSACTIONS_CRON',
  'sync.schedule.positivePayExceptions': 'SYNC_POSITIVEPAY_EXCEPTIONS_CRON',
  'sync.timeZone': 'SYNC_TIME_ZONE',
  'sync.scheduleEnabled': 'SYNC_SCHEDULE_ENABLED',
  'sync.onStartup': 'SYNC_ON_STARTUP',
  'sync.leaseSeconds': 'SYNC_LEASE_SECONDS',
  'limits.callerRatePerSecond': 'LIMITS_CALLER_RATE_PER_SECOND',
  'limits.callerBurst': 'LIMITS_CALLER_BURST',
  'sync.overlapHours': 'SYNC_OVERLAP_HOURS',
  'sync.maxAgeHours': 'SYNC_MAX_AGE_HOURS',
};

const BOOLEAN_SETTINGS = new Set([
  'database.migrateOnStart',
  'audit.enabled',
  'audit.durableReads',
  'balances.coalesce',
  'sync.scheduleEnabled',
  'sync.onStartup',
]);
const INTEGER_SETTINGS = new Set([
  'clockOffsetMs',
  'sandboxPort',
  'server.port',
  'server.bodyLimitBytes',
  'server.requestTimeoutMs',
  'server.shutdownDrainMs',
  'server.shutdownTimeoutMs',
  'qbank.timeoutMs',
  'qbank.maxRetries',
  'qbank.connections',
  'qbank.breakerFailures',
  'qbank.breakerOpenMs',
  'qbank.maxConcurrent',
  'qbank.ratePerSecond',
  'qbank.rateBurst',
  'auth.maxTokenTtlSeconds',
  'audit.flushIntervalMs',
  'audit.maxBatchSize',
  'audit.retentionDays',
  'idempotency.leaseSeconds',
  'idempotency.retentionHours',
  'payments.recoveryIntervalSeconds',
  'health.qbankCacheMs',
  'reconciliation.postingGraceDays',
  'payments.schedulerIntervalSeconds',
  'approvals.expiryIntervalSeconds',
  'approvals.defaultExpiryHours',
  'calendar.cutoffMarginMinutes',
  'webhooks.toleranceSeconds',
  'events.deliveryIntervalMs',
  'events.deliveryTimeoutMs',
  'events.retentionDays',
  'events.retentionIntervalSeconds',
  'sync.leaseSeconds',
  'limits.callerRatePerSecond',
  'limits.callerBurst',
  'sync.overlapHours',
  'sync.maxAgeHours',
]);

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Tree;
  node[parts.at(-1)!] = value;
}

function getPath(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree);
}

/** An environment value as the setting's type; a value that is not one stays a string and fails validation. */
function coerce(path: string, raw: string): unknown {
  if (BOOLEAN_SETTINGS.has(path)) return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
  if (INTEGER_SETTINGS.has(path)) return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (path === 'qbank.webhookSecrets' || path === 'calendar.extraClosures')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => {
      const setting = ENV[path] ? `${ENV[path]} (${path})` : path;
      return `${setting}: ${message.replace(/^\S+ /, '')} (got ${JSON.stringify(getPathSafe(error.value))})`;
    });
    return [...own, ...describe(error.children ?? [], path)];
  });
}

const getPathSafe = (value: unknown): unknown => (typeof value === 'string' && value.length > 60 ? `${value.slice(0, 20)}…` : value);

/** A YAML file of the configuration folder, parsed; a missing or unreadable one is a configuration error naming it. */
function readYaml(configDir: string, file: string): unknown {
  const path = join(configDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  - CONFIG_DIR: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  - ${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Reads `default.yaml`, `roles.yaml` and `approvals.yaml` of `CONFIG_DIR` (default `./config`), applies
 * the environment, and validates the result. Throws a `ConfigError` naming every bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configDir = env.CONFIG_DIR || 'config'): GatewayConfig {
  const defaults = (readYaml(configDir, 'default.yaml') ?? {}) as Tree;
  const roleFile = (readYaml(configDir, 'roles.yaml') ?? {}) as { roles?: Record<string, string[]>; grants?: unknown };
  const roles = roleFile.roles ?? {};
  const grants = parseGrants(roleFile.grants, Object.keys(roles));
  for (const key of Object.keys(roleFile))
    if (key !== 'roles' && key !== 'grants') grants.problems.push(`config/roles.yaml: ${key}: is not a section (roles:, grants:)`);
  // Required, like the others: a folder without it must not silently turn maker-checker off.
  const policies = parseApprovalPolicies(readYaml(configDir, 'approvals.yaml'), Object.keys(roles));
  const tree: Tree = { clockOffsetMs: 0, ...defaults, nodeEnv: env.NODE_ENV ?? 'development', roles, configDir };
  setPath(tree, 'sandboxPort', getPath(defaults, 'sandbox.port'));
  delete tree.sandbox;
  for (const [path, name] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(tree, path, coerce(path, raw));
  }

  const sandboxMode = !env.QBANK_BASE_URL;
  tree.sandboxMode = sandboxMode;
  const sandboxPort = getPath(tree, 'sandboxPort');
  if (sandboxMode) {
    setPath(tree, 'qbank.baseUrl', `http://127.0.0.1:${String(sandboxPort)}/v1`);
    setPath(tree, 'qbank.clientId', env.QBANK_CLIENT_ID || 'gateway');
    setPath(tree, 'qbank.clientSecret', env.QBANK_CLIENT_SECRET || SANDBOX_CLIENT_SECRET);
    if (!env.QBANK_WEBHOOK_SECRET) setPath(tree, 'qbank.webhookSecrets', [`dev-${randomBytes(16).toString('hex')}`]);
  }
  setPath(tree, 'qbank.clientId', getPath(tree, 'qbank.clientId') ?? '');
  setPath(tree, 'qbank.clientSecret', getPath(tree, 'qbank.clientSecret') ?? '');
  setPath(tree, 'qbank.webhookSecrets', getPath(tree, 'qbank.webhookSecrets') ?? []);
  setPath(tree, 'database.migrationUrl', getPath(tree, 'database.migrationUrl') ?? getPath(tree, 'database.url'));
  setPath(tree, 'auth.mode', getPath(tree, 'auth.mode') ?? (sandboxMode ? 'dev' : 'jwks'));
  if (sandboxMode) setPath(tree, 'sync.onStartup', getPath(tree, 'sync.onStartup') ?? true);
  // A person is reading in sandbox mode or at a terminal; anywhere else a log pipeline is.
  setPath(tree, 'server.logFormat', getPath(tree, 'server.logFormat') ?? (sandboxMode || process.stdout.isTTY ? 'pretty' : 'json'));
  setPath(tree, 'idempotency.requestKeys', getPath(tree, 'idempotency.requestKeys') ?? DEV_REQUEST_KEYS);

  const config = plainToInstance(GatewayConfig, tree);
  // Parsed already (sets of ids, minor units): kept out of the plain tree class-transformer copies.
  config.grants = grants.grants;
  if (config.approvals) config.approvals.policies = policies.policies;
  const problems = describe(validateSync(config, { forbidUnknownValues: false }));
  problems.push(...policyProblems(config), ...grants.problems, ...policies.problems);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

/** Rules across settings: what each mode needs, and what production refuses. */
function policyProblems(config: GatewayConfig): string[] {
  const problems: string[] = [];
  const { auth, qbank } = config;
  if (auth.mode === 'jwks') {
    if (!auth.jwksUrl && !auth.publicKey) problems.push('AUTH_JWKS_URL or AUTH_PUBLIC_KEY: one is required when AUTH_MODE=jwks');
    if (!auth.issuer) problems.push('AUTH_ISSUER: is required when AUTH_MODE=jwks');
  }
  for (const [kind, entries] of Object.entries(config.limits?.payments ?? {}))
    for (const [name, limits] of Object.entries(entries ?? {}))
      for (const [type, limit] of Object.entries((limits ?? {}) as Record<string, PaymentLimit>)) {
        if (!['WIRE', 'TRANSFER', 'ACH'].includes(type)) problems.push(`limits.payments.${kind}.${name}: ${type} is not a payment type`);
        for (const [field, value] of Object.entries(limit ?? {}))
          if (!['perPayment', 'perDay'].includes(field) || typeof value !== 'string' || !/^\d{1,15}(\.\d{1,2})?$/.test(value))
            problems.push(
              `limits.payments.${kind}.${name}.${type}.${field}: must be perPayment or perDay, an amount as a string ("100000.00")`,
            );
      }
  if (config.calendar?.timeZone) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: config.calendar.timeZone });
    } catch {
      problems.push(`calendar.timeZone: ${config.calendar.timeZone} is not a time zone Intl knows (e.g. America/New_York)`);
    }
  }
  try {
    parseSealingKeys(config.idempotency.requestKeys);
  } catch (error) {
    problems.push(`REQUEST_ENCRYPTION_KEYS (idempotency.requestKeys): ${(error as Error).message}`);
  }
  for (const [role, scopes] of Object.entries(config.roles ?? {})) {
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))
      problems.push(`config/roles.yaml: role ${role} must list scope names`);
  }
  if (config.nodeEnv === 'production') {
    if (config.sandboxMode) problems.push('QBANK_BASE_URL: is required in production (the bundled sandbox is for development)');
    if (auth.mode === 'dev') problems.push('AUTH_MODE: dev tokens are refused in production; use jwks');
    if (config.clockOffsetMs !== 0) problems.push('CLOCK_OFFSET_MS: a moved clock is for tests and sandboxes; production refuses it');
    if (!config.audit.enabled) problems.push('AUDIT_ENABLED: auditing cannot be switched off in production');
    if (qbank.clientSecret === SANDBOX_CLIENT_SECRET || /change.?me|placeholder|example/i.test(qbank.clientSecret)) {
      problems.push('QBANK_CLIENT_SECRET: sandbox or placeholder secrets are refused in production');
    }
    if (config.idempotency.requestKeys.includes(DEV_REQUEST_KEYS.slice(4)))
      problems.push('REQUEST_ENCRYPTION_KEYS: the development key is refused in production; generate one (32 random bytes, base64)');
    if (qbank.webhookSecrets.length === 0 || qbank.webhookSecrets.some((s) => s.length < 16 || /change.?me|placeholder|sandbox/i.test(s))) {
      problems.push('QBANK_WEBHOOK_SECRET: a real secret (16+ characters) is required in production');
    }
  }
  return problems;
}
