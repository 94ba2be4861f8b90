import type { PaymentStatus } from '#qbank/contract';

/**
 * The payment state machine: P_PENDING → P_PROCESSING → P_COMPLETED | P_FAILED (a step may be skipped:
 * a webhook can bring the final status first). Final statuses never change. Room is left for states of
 * the gateway's own (awaiting approval) ahead of P_PENDING.
 */
const RANK: Record<PaymentStatus, number> = { P_PENDING: 0, P_PROCESSING: 1, P_COMPLETED: 2, P_FAILED: 2 };

export const isFinal = (status: PaymentStatus): boolean => status === 'P_COMPLETED' || status === 'P_FAILED';

export type TransitionVerdict = 'apply' | 'same' | 'stale' | 'illegal';

/**
 * `apply`: move forward. `same`: already there (a duplicate). `stale`: an older status arriving late
 * (ignored). `illegal`: a final status contradicted (refused and logged).
 */
export function transition(current: PaymentStatus, incoming: PaymentStatus): TransitionVerdict {
  if (current === incoming) return 'same';
  if (isFinal(current)) return isFinal(incoming) ? 'illegal' : 'stale';
  return RANK[incoming] > RANK[current] ? 'apply' : 'stale';
}
