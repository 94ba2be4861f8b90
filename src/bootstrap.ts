import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { installHttpHooks, registerPublicRoutes } from './http/http-hooks.js';
import { parseJsonBody } from './http/json-body.js';
import { UUID_PATTERN } from './common/request-context.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { runMigrations } from './database/migrate.js';
import { setupSwagger } from './docs/swagger.js';
import { GatewayLogger } from './logging/gateway-logger.js';

/** A caller's `X-Request-ID` is kept when it is a UUID; otherwise the gateway makes one. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && UUID_PATTERN.test(header) ? header.toLowerCase() : randomUUID();
}

/** Builds the gateway (migrations first, when configured); the caller decides where it listens. */
export async function createGateway(config: GatewayConfig): Promise<NestFastifyApplication> {
  if (config.database.migrateOnStart) await runMigrations(config.database);
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.bodyLimitBytes,
    requestTimeout: config.server.requestTimeoutMs,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdFor(req.headers['x-request-id']),
    // Not Nest's blanket 503 from the first moment of shutdown: the replica keeps serving while it drains
    // (ShutdownState), and once it closes, new connections are refused rather than answered.
    return503OnClosing: false,
    // Connections are closed by the graceful shutdown (ShutdownState), once accepted requests are answered.
    forceCloseConnections: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(GatewayLogger));
  // Strict JSON at the edge (duplicate keys, depth, NUL refused); the raw bytes are kept (webhook signatures, audit digests).
  app.useBodyParser('application/json', { bodyLimit: config.server.bodyLimitBytes }, async (_request: unknown, body: Buffer) =>
    parseJsonBody(body),
  );
  installHttpHooks(app);
  await registerPublicRoutes(app, () => setupSwagger(app));
  await app.init();
  return app;
}
