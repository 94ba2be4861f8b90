import { Injectable, type LoggerService, type OnApplicationShutdown } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { destination, pino, type Logger } from 'pino';
import { GatewayConfig } from '../config/gateway-config.js';
import { CONTEXT_KEY, type RequestContext } from '../common/request-context.js';
import { prettyStream } from './pretty-stream.js';

/**
 * Fields that never reach a log line. The gateway never logs headers or bodies in the first place; this
 * is the second line of defence, kept to fixed paths (wildcard paths cost time on every line).
 */
const REDACTED = ['authorization', 'headers', 'access_token', 'client_secret', 'account_number', 'token', 'err.config', 'err.request'];

/** Nest's own start-up lines (each module loaded, each route mapped): worth seeing only when debugging. */
const NEST_STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Logs through pino: JSON lines, or one readable line per entry (`LOG_FORMAT=pretty`). Every line written
 * while a request is handled carries its `request_id` (and the actor, once known), taken from the async
 * context. JSON lines are buffered (4 KiB: one write for many lines under load) and the buffer is flushed
 * every second, so a quiet gateway's lines (its 'listening' line, the last ones before a quiet night) are not
 * held back; what is pending is flushed on exit.
 */
@Injectable()
export class GatewayLogger implements LoggerService, OnApplicationShutdown {
  readonly pino: Logger;
  private readonly stream: ReturnType<typeof destination> | undefined;
  private flusher: NodeJS.Timeout | undefined;

  constructor(config: GatewayConfig, cls: ClsService) {
    const pretty = config.server.logFormat === 'pretty';
    const stream = pretty ? undefined : destination({ dest: 1, sync: false, minLength: 4096 });
    this.stream = stream;
    if (stream) {
      process.once('exit', () => stream.flushSync());
      this.flusher = setInterval(() => stream.flush(), 1000).unref();
    }
    this.pino = pino(
      {
        level: config.server.logLevel,
        base: { service: 'qbank-gateway' },
        messageKey: 'msg',
        timestamp: () => `,"time":"${new Date().toISOString()}"`,
        // The pretty printer reads pino's numeric levels; JSON lines carry the label.
        formatters: pretty ? {} : { level: (label) => ({ level: label }) },
        redact: { paths: REDACTED, censor: '[redacted]' },
        mixin: () => {
          const ctx = cls.isActive() ? cls.get<RequestContext | undefined>(CONTEXT_KEY) : undefined;
          if (!ctx) return {};
          return ctx.caller ? { request_id: ctx.requestId, actor: ctx.caller.sub } : { request_id: ctx.requestId };
        },
      },
      stream ?? prettyStream(Boolean(process.stdout.isTTY)),
    );
  }

  /** Nest re-raises the shutdown signal after its hooks, and a signal death skips 'exit': flush here. */
  onApplicationShutdown(): void {
    clearInterval(this.flusher);
    this.stream?.flushSync();
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls `(message, ...params, context)`; `message` may be an object of fields. */
  private write(asked: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const level = asked === 'info' && context && NEST_STARTUP_CONTEXTS.has(context) ? 'debug' : asked;
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    let msg: string | undefined;
    if (message && typeof message === 'object' && !(message instanceof Error)) Object.assign(fields, message);
    else if (message instanceof Error) fields.err = message;
    else msg = String(message);
    for (const param of rest) {
      if (typeof param === 'string') {
        if (msg === undefined) msg = param;
        else if (param.includes('\n    at ')) fields.stack = param;
      }
    }
    this.pino[level](fields, msg);
  }
}
