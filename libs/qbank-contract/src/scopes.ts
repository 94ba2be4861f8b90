/** QBank's OAuth scopes, as the bank lists them. */
export const QBANK_SCOPES = [
  'accounts.read',
  'balances.read',
  'transactions.read',
  'payments.read',
  'payments.ach.write',
  'payments.wire.write',
  'transfers.write',
  'positivepay.issues.write',
  'positivepay.exceptions.read',
] as const;

export type QBankScope = (typeof QBANK_SCOPES)[number];
