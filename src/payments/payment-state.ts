import type { PaymentStatus } from '#qbank/contract';

/** States of the gateway's own that come before QBank's four and never follow them (contract §13, §15). */
export type GatewayOnlyStatus = 'P_AWAITING_APPROVAL' | 'P_SCHEDULED' | 'P_REJECTED' | 'P_EXPIRED' | 'P_CANCELLED';
export type PaymentState = GatewayOnlyStatus | PaymentStatus;

/**
 * The payment state machine: each state and the states it may move to. A payment awaiting approval or
 * scheduled has not gone to QBank; once sent it is P_PENDING → P_PROCESSING → P_COMPLETED | P_FAILED (a
 * step may be skipped: a webhook can bring the final status first). States without a way on are final.
 */
const NEXT: Readonly<Record<PaymentState, readonly PaymentState[]>> = {
  P_AWAITING_APPROVAL: ['P_SCHEDULED', 'P_PENDING', 'P_REJECTED', 'P_EXPIRED', 'P_CANCELLED'],
  P_SCHEDULED: ['P_PENDING', 'P_CANCELLED'],
  P_PENDING: ['P_PROCESSING', 'P_COMPLETED', 'P_FAILED'],
  P_PROCESSING: ['P_COMPLETED', 'P_FAILED'],
  P_COMPLETED: [],
  P_FAILED: [],
  P_REJECTED: [],
  P_EXPIRED: [],
  P_CANCELLED: [],
};

export const PAYMENT_STATES = Object.keys(NEXT) as PaymentState[];

/** The states in which a payment will never be sent, or failed: its reservation of the caller's limits is given back. */
export const givesLimitsBack = (state: PaymentState): boolean => state !== 'P_COMPLETED' && isFinal(state);

export const isFinal = (state: PaymentState): boolean => NEXT[state].length === 0;

/** Whether `to` can follow `from`, directly or through other states. */
function reachable(from: PaymentState, to: PaymentState): boolean {
  return NEXT[from].some((next) => next === to || reachable(next, to));
}

export type TransitionVerdict = 'apply' | 'same' | 'stale' | 'illegal';

/**
 * `apply`: move forward. `same`: already there (a duplicate). `stale`: a state the payment has already
 * passed, arriving late (ignored). `illegal`: anything else, e.g. a final state contradicted (refused and
 * logged).
 */
export function transition(current: PaymentState, incoming: PaymentState): TransitionVerdict {
  if (current === incoming) return 'same';
  if (reachable(current, incoming)) return 'apply';
  return reachable(incoming, current) ? 'stale' : 'illegal';
}
