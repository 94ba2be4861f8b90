import { Injectable, Optional } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway-config.js';

/**
 * The one source of "now" for the money path (leases, payments, recovery, the calendar): injected, so that
 * a test can stand it anywhere without waiting. `CLOCK_OFFSET_MS` (tests and sandboxes, refused in
 * production) moves it for a whole process, where a test cannot reach the provider.
 */
@Injectable()
export class Clock {
  private readonly offsetMs: number;

  constructor(@Optional() config?: GatewayConfig) {
    this.offsetMs = config?.clockOffsetMs ?? 0;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
