import type { components } from './qbank-connect.schema.js';

export type QBankErrorCode = components['schemas']['Error']['error_code'];

/** The QBank error codes this project knows (the enum of `Error.error_code`). */
export const ERROR_CODES = {
  invalidClient: 'ERR_AUTH_001',
  invalidToken: 'ERR_AUTH_002',
  scopeMissing: 'ERR_AUTH_003',
  invalidScope: 'ERR_AUTH_004',
  unsupportedGrant: 'ERR_AUTH_005',
  validation: 'ERR_VAL_001',
  idempotencyKey: 'ERR_IDEM_001',
  accountNotFound: 'ERR_ACC_001',
  paymentNotFound: 'ERR_PAY_001',
  issueNotFound: 'ERR_PP_001',
  routeNotFound: 'ERR_NOT_FOUND',
  rateLimited: 'ERR_RATE_001',
  /** Maintenance, or any other time the bank is temporarily unavailable. */
  maintenance: 'ERR_SYS_503',
  internal: 'ERR_SYS_500',
  badGateway: 'ERR_SYS_502',
  gatewayTimeout: 'ERR_SYS_504',
} as const satisfies Record<string, QBankErrorCode>;
