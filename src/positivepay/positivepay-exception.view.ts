import { formatMinor } from '../common/money.js';
import type { PositivePayExceptionEntity } from './positivepay-exception.entity.js';

export interface ExceptionView {
  exception_id: string;
  account_id: string;
  check_number: string;
  presented_amount: string;
  issued_amount: string | null;
  payee_name: string | null;
  presented_date: string;
  reason: string;
  status: string;
  decision_deadline: string;
}

/** An exception as the API shows it (`GET /v1/positivepay/exceptions`, the `positivepay.exception.created` event). */
export function exceptionView(e: PositivePayExceptionEntity): ExceptionView {
  return {
    exception_id: e.exceptionId,
    account_id: e.accountId,
    check_number: e.checkNumber,
    presented_amount: formatMinor(e.presentedAmountMinor),
    issued_amount: e.issuedAmountMinor === null ? null : formatMinor(e.issuedAmountMinor),
    payee_name: e.payeeName,
    presented_date: e.presentedDate,
    reason: e.reason,
    status: e.status,
    decision_deadline: e.decisionDeadline.toISOString(),
  };
}
