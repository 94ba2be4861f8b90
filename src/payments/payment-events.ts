import type { EventType, NewEvent } from '../events/event-types.js';
import type { PaymentView } from './payment.view.js';

/**
 * An event about a payment: `data` is the payment as the API shows it after the change (without its
 * idempotency key, which only its initiator's answers show), seen by its initiator and by the readers of its
 * debtor account.
 */
export function paymentEvent(type: EventType, view: PaymentView, extra: object = {}): NewEvent {
  return {
    type,
    subject: view.payment_id,
    accountId: view.debtor_account_id,
    initiatedBy: view.initiated_by,
    data: { ...view, idempotency_key: null, ...extra },
  };
}
