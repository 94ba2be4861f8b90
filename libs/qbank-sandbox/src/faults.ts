import { ERROR_CODES, type QBankErrorCode } from '#qbank/contract';
import { SandboxError } from './errors.js';

/** The errors a fault can answer, each in QBank's standard format with its own code. */
const FAULT_ANSWERS = {
  429: { code: ERROR_CODES.rateLimited, message: 'Rate limit exceeded' },
  500: { code: ERROR_CODES.internal, message: 'Internal error' },
  502: { code: ERROR_CODES.badGateway, message: 'Bad gateway' },
  503: { code: ERROR_CODES.maintenance, message: 'QBank Connect is temporarily unavailable' },
  504: { code: ERROR_CODES.gatewayTimeout, message: 'Gateway timeout' },
} as const satisfies Record<number, { code: QBankErrorCode; message: string }>;

export type FaultStatus = keyof typeof FAULT_ANSWERS;
export const FAULT_STATUSES = Object.keys(FAULT_ANSWERS).map(Number) as FaultStatus[];

/** What `PUT /sandbox/faults` arms (the admin route's field names). */
export interface Fault {
  status: FaultStatus;
  /** How many matching requests get the fault. */
  count: number;
  /** Sent as `Retry-After` when given. */
  retry_after_seconds: number | null;
  /** Any method when null. */
  method: 'GET' | 'POST' | null;
  /** Matched against the path without its query string, e.g. `/v1/payments` or `/v1/token`. */
  path_prefix: string;
}

export type ArmedFault = Fault & { remaining: number };

/**
 * Makes the next `count` matching QBank calls answer an error before QBank acts on them: nothing is
 * created and no idempotency key is taken, as when a bank's rate limiter or load balancer refuses a call.
 * One fault at a time; arming another replaces it.
 */
export class FaultInjector {
  private fault: ArmedFault | null = null;

  arm(fault: Fault): ArmedFault {
    this.fault = { ...fault, remaining: fault.count };
    return { ...this.fault };
  }

  clear(): void {
    this.fault = null;
  }

  /** The armed fault and how many requests it still answers (0 once spent), or null. */
  current(): ArmedFault | null {
    return this.fault && { ...this.fault };
  }

  /** The error this request gets, when the armed fault matches it (and counts it). */
  take(method: string, path: string): SandboxError | undefined {
    const fault = this.fault;
    if (!fault || fault.remaining === 0 || (fault.method && fault.method !== method) || !path.startsWith(fault.path_prefix)) return;
    fault.remaining -= 1;
    const { code, message } = FAULT_ANSWERS[fault.status];
    const headers: Record<string, string> = fault.retry_after_seconds === null ? {} : { 'Retry-After': String(fault.retry_after_seconds) };
    return new SandboxError(fault.status, code, message, headers);
  }
}
