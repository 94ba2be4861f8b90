import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { Leases } from './leases.js';

/**
 * A job run every `intervalMs` on the one replica that holds its lease (named `name`, held for two
 * intervals: a replica that dies mid-run holds the job up that long at most), one run at a time per
 * process. `run()` is the schedule's entry and a test's. A subclass says what one run does (`work`,
 * answering how many things it did) and may `renew` the lease between the steps of a long run.
 */
export abstract class LeasedJob implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private running: Promise<number> | undefined;

  protected constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly leases: Leases,
    private readonly registry: SchedulerRegistry,
  ) {}

  protected abstract work(): Promise<number>;

  onApplicationBootstrap(): void {
    this.registry.addInterval(
      this.name,
      setInterval(() => void this.run(), this.intervalMs),
    );
  }

  run(): Promise<number> {
    this.running ??= this.leased()
      .catch((err: unknown) => {
        this.logger.error({ err }, `${this.name} run failed`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  protected renew(): Promise<boolean> {
    return this.leases.renew(this.name, 2 * this.intervalMs);
  }

  private async leased(): Promise<number> {
    if (!(await this.leases.acquire(this.name, 2 * this.intervalMs))) return 0;
    try {
      return await this.work();
    } finally {
      await this.leases.release(this.name);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', this.name)) this.registry.deleteInterval(this.name);
    await this.running;
  }
}
