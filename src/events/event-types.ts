import type { Grantee } from '../auth/account-grants.js';

/** The events of contract §14. */
export const EVENT_TYPES = [
  'payment.created',
  'payment.awaiting_approval',
  'payment.approved',
  'payment.rejected',
  'payment.cancelled',
  'payment.expired',
  'payment.scheduled',
  'payment.status_changed',
  'sync.completed',
  'positivepay.exception.created',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The role that manages every subscription and sees every event. */
export const EVENTS_ADMIN_ROLE = 'gateway-admin';

/** An event to write: what it says and what access needs. */
export interface NewEvent {
  type: EventType;
  /** One subject's events reach each subscriber in order (a payment's id, a run's, an exception's). */
  subject: string;
  /** The account whose readers may see it; null with `initiatedBy` null: every subscriber of the type. */
  accountId: string | null;
  initiatedBy: string | null;
  data: object;
}

/** Who may see an event: what `maySee` and the feed's query both decide. */
export interface EventAccess {
  accountId: string | null;
  initiatedBy: string | null;
}

/**
 * Whether `caller` may see an event: `gateway-admin` sees all; others the payments they initiated and the
 * events on accounts their grants let them read (contract §13); an event about no account and nobody's
 * payment (a sync run: counts and times, no account data) is seen by every holder of `events.manage`.
 * `canRead` is `AccountGrants.canRead` for the caller.
 */
export function maySee(caller: Grantee, event: EventAccess, canRead: (accountId: string) => boolean): boolean {
  if (caller.roles?.includes(EVENTS_ADMIN_ROLE)) return true;
  if (event.initiatedBy !== null && event.initiatedBy === caller.sub) return true;
  if (event.accountId !== null) return canRead(event.accountId);
  return event.initiatedBy === null;
}
