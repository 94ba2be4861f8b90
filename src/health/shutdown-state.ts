import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway-config.js';

/**
 * The first step of a graceful shutdown: readiness turns 503 and every answer says `Connection: close`,
 * while the replica keeps serving for `SHUTDOWN_DRAIN_MS`, so a load balancer stops sending it work and
 * keep-alive clients move to other replicas. Only then does the HTTP server stop accepting connections
 * (Nest closes it after these hooks), wait for in-flight requests, flush the audit queue and close the
 * database.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownState.name);
  shuttingDown = false;

  constructor(private readonly config: GatewayConfig) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (!signal) return; // app.close() from code (tests): nothing to drain
    this.logger.log({ signal, drain_ms: this.config.server.shutdownDrainMs }, 'shutting down: draining');
    await new Promise((resolve) => setTimeout(resolve, this.config.server.shutdownDrainMs));
  }
}
