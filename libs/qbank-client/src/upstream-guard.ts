import { QBankError } from './errors.js';

/** The gateway refused to call QBank: the operation's circuit is open, or the client's own limits are full. */
export class QBankUnavailableError extends QBankError {
  readonly kind = 'unavailable' as const;

  constructor(
    message: string,
    /** When calling again may succeed. */
    readonly retryAfterSeconds: number,
    readonly reason: 'circuit_open' | 'rate_limited' | 'saturated',
  ) {
    super(message, null);
  }
}

export interface UpstreamGuardOptions {
  /** Consecutive failures (5xx, timeouts, unreachable) of one operation that open its circuit. 0: no breaker. */
  failureThreshold?: number;
  /** How long an open circuit fails fast before one probe is let through (half-open). */
  openMs?: number;
  /** Calls to QBank in flight at once, all operations together. 0: no cap. */
  maxConcurrent?: number;
  /** QBank's published rate limit for this client: calls per second, and the burst allowed above it. 0: none. */
  ratePerSecond?: number;
  burst?: number;
}

type CircuitState = { state: 'closed'; failures: number } | { state: 'open'; until: number } | { state: 'half-open'; probing: boolean };

/**
 * What protects QBank from the gateway (and the gateway from a QBank that is down): a circuit breaker per
 * operation — after `failureThreshold` consecutive failures the operation fails fast for `openMs`, then one
 * probe decides whether it closes again — a cap on concurrent calls, and a token bucket matching QBank's
 * published rate limit. A call that would wait longer than its own timeout for a slot or a token is refused.
 */
export class UpstreamGuard {
  private readonly circuits = new Map<string, CircuitState>();
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    private readonly options: UpstreamGuardOptions,
    private readonly onStateChange?: (operation: string, state: 'closed' | 'open' | 'half-open') => void,
  ) {
    this.tokens = options.burst ?? options.ratePerSecond ?? 0;
  }

  /** The state of each operation's circuit (for health reports). */
  states(): Record<string, 'closed' | 'open' | 'half-open'> {
    const now = Date.now();
    return Object.fromEntries(
      [...this.circuits].map(([operation, c]) => [operation, c.state === 'open' && c.until <= now ? 'half-open' : c.state]),
    );
  }

  /** Runs `call` under the breaker of `operation`, the concurrency cap and the rate limit. `isFailure` says which errors count against the circuit. */
  async run<T>(operation: string, waitBudgetMs: number, call: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    this.admit(operation);
    const deadline = Date.now() + waitBudgetMs;
    try {
      await this.takeToken(deadline);
      await this.acquireSlot(deadline);
    } catch (error) {
      // Refused before reaching QBank: a probe that never ran lets the next call probe instead.
      const circuit = this.circuits.get(operation);
      if (circuit?.state === 'half-open') circuit.probing = false;
      throw error;
    }
    try {
      const result = await call();
      this.record(operation, true);
      return result;
    } catch (error) {
      this.record(operation, !isFailure(error));
      throw error;
    } finally {
      this.releaseSlot();
    }
  }

  private admit(operation: string): void {
    const threshold = this.options.failureThreshold ?? 0;
    if (threshold <= 0) return;
    const circuit = this.circuits.get(operation);
    if (!circuit || circuit.state === 'closed') return;
    const now = Date.now();
    if (circuit.state === 'open') {
      if (circuit.until > now) {
        throw new QBankUnavailableError(
          `QBank ${operation} is failing: calls are paused (circuit open)`,
          Math.ceil((circuit.until - now) / 1000),
          'circuit_open',
        );
      }
      this.circuits.set(operation, { state: 'half-open', probing: true });
      this.onStateChange?.(operation, 'half-open');
      return; // this call is the probe
    }
    if (circuit.probing) {
      throw new QBankUnavailableError(`QBank ${operation} is being probed after failures`, 1, 'circuit_open');
    }
    circuit.probing = true;
  }

  private record(operation: string, success: boolean): void {
    const threshold = this.options.failureThreshold ?? 0;
    if (threshold <= 0) return;
    const circuit = this.circuits.get(operation) ?? { state: 'closed', failures: 0 };
    if (success) {
      if (circuit.state !== 'closed') this.onStateChange?.(operation, 'closed');
      this.circuits.set(operation, { state: 'closed', failures: 0 });
      return;
    }
    if (circuit.state === 'closed' && circuit.failures + 1 < threshold) {
      this.circuits.set(operation, { state: 'closed', failures: circuit.failures + 1 });
      return;
    }
    this.circuits.set(operation, { state: 'open', until: Date.now() + (this.options.openMs ?? 10_000) });
    this.onStateChange?.(operation, 'open');
  }

  private async takeToken(deadline: number): Promise<void> {
    const rate = this.options.ratePerSecond ?? 0;
    if (rate <= 0) return;
    const burst = this.options.burst ?? rate;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * rate);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) / rate) * 1000);
      if (now + waitMs > deadline)
        throw new QBankUnavailableError('QBank rate limit reached', Math.max(1, Math.ceil(waitMs / 1000)), 'rate_limited');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  private acquireSlot(deadline: number): Promise<void> {
    const max = this.options.maxConcurrent ?? 0;
    if (max <= 0 || this.inFlight < max) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        this.inFlight += 1;
        resolve();
      };
      const timer = setTimeout(
        () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(new QBankUnavailableError('Too many calls to QBank in flight', 1, 'saturated'));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.queue.push(waiter);
    });
  }

  private releaseSlot(): void {
    this.inFlight -= 1;
    this.queue.shift()?.();
  }
}
