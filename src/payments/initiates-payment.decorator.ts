import { applyDecorators } from '@nestjs/common';
import { ErrorAnswer } from '../docs/error-answers.js';

/** A new wire, transfer or ACH batch: its refusals before QBank is called (PaymentsService, PaymentTiming, PaymentLimits). */
export const InitiatesPayment = (): MethodDecorator =>
  applyDecorators(
    ErrorAnswer(
      403,
      "An account it names is outside the caller's grants: debit for the account debited, read for a transfer's `to_account_id` " +
        '(`GW_ACCOUNT_FORBIDDEN`); nothing is recorded',
    ),
    ErrorAnswer(
      422,
      "Over one of the caller's payment limits, or an ACH `same_day` entry over the same-day limit (`GW_LIMIT_EXCEEDED`, naming it); " +
        'nothing is recorded',
    ),
    ErrorAnswer(422, '`on_cutoff: reject` and the day asked for is missed (`GW_AFTER_CUTOFF`, naming the cutoff); nothing is recorded'),
  );
