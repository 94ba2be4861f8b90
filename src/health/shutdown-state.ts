import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Readiness turns 503 as soon as shutdown begins, so a load balancer drains this replica first. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
