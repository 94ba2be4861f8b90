export const IDEMPOTENT = 'gateway:idempotent';

export interface IdempotentOptions {
  /** Names the operation in the record (a key reused for another operation is a mismatch). */
  operation: 'wire' | 'transfer' | 'ach' | 'positivepay_issue';
  /** The status of a first, successful answer. */
  status: 201 | 202;
}
