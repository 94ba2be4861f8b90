/** Thrown to answer with a stored response exactly as first given (status and body), marked as a replay. */
export class ReplayedAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('idempotent replay');
  }
}
