import { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GatewayConfig } from '../config/gateway-config.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const connections = (server: HttpServer) =>
  new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));

/** After the server stops accepting: how long a just-accepted connection has to send its request before idle connections are closed. */
const ACCEPT_GRACE_MS = 200;

/**
 * A graceful shutdown, before Nest closes anything: readiness turns 503 and every answer says
 * `Connection: close`, while the replica keeps serving for `SHUTDOWN_DRAIN_MS`, so a load balancer stops
 * sending it work and keep-alive clients move to other replicas. Then the server stops accepting
 * connections (without resetting those already accepted, as `http.Server#close` would), requests in
 * flight finish (within `SHUTDOWN_TIMEOUT_MS`), idle connections are closed — and only then does Nest
 * close the HTTP adapter, flush the audit queue and close the database.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownState.name);
  shuttingDown = false;

  constructor(
    private readonly config: GatewayConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (!signal) return; // app.close() from code (tests): nothing to drain
    const { shutdownDrainMs, shutdownTimeoutMs } = this.config.server;
    this.logger.log({ signal, drain_ms: shutdownDrainMs }, 'shutting down: draining');
    await sleep(shutdownDrainMs);
    const server = this.adapterHost.httpAdapter?.getHttpServer() as HttpServer | undefined;
    if (!server?.listening) return;
    Server.prototype.close.call(server); // stop accepting; accepted connections stay
    const deadline = Date.now() + shutdownTimeoutMs;
    await sleep(ACCEPT_GRACE_MS);
    // Connections with a request in progress finish it (their answer says Connection: close); idle ones are closed.
    let open = await connections(server);
    while (open > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await sleep(50);
      open = await connections(server);
    }
    this.logger.log({ open_connections: open }, 'shutting down: no longer accepting; requests in flight answered');
  }
}
