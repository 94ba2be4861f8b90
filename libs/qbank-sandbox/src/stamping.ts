import type { FastifyRequest } from 'fastify';
import type { Transaction } from '#qbank/contract';
import { type Bank, publicPayment, type StoredBatch } from './bank.js';
import { isoDateTime } from './data/calendar.js';
import type { ExtraTransaction } from './data/dataset.js';

/** A resource as QBank answers it: with the audit fields of this response (time, caller, request id). */
export const stamp = <T extends object>(request: FastifyRequest, clientId: string, resource: T) => ({
  ...resource,
  timestamp: isoDateTime(Date.now()),
  actor: clientId,
  request_id: request.id,
});

/** An ACH batch as QBank answers it, each of its payments stamped too. */
export const stampBatch = (bank: Bank, request: FastifyRequest, clientId: string, batch: StoredBatch) => {
  const { payment_ids, client_id: _client, ...rest } = batch;
  return stamp(request, clientId, {
    ...rest,
    type: 'ACH_BATCH' as const,
    payments: payment_ids.map((id) => stamp(request, clientId, publicPayment(bank.payments.get(id)!))),
  });
};

/** A posting as QBank publishes it (without the sandbox's own `posting_ms`), with the response's audit fields. */
export function publicTransaction(t: ExtraTransaction, timestamp: string, actor: string, requestId: string): Transaction {
  return {
    transaction_id: t.transaction_id,
    account_id: t.account_id,
    type: t.type,
    direction: t.direction,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    transaction_date: t.transaction_date,
    value_date: t.value_date,
    posting_date: t.posting_date,
    payment_id: t.payment_id,
    check_number: t.check_number,
    timestamp,
    actor,
    request_id: requestId,
  };
}
