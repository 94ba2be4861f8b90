import { ValidationFailedError } from './errors/gateway-errors.js';

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `from`/`to` filters, both inclusive: a plain date means that whole UTC day, a date-time is exact.
 * Returns the half-open range [from, toExclusive).
 */
export function dateRange(from: string | undefined, to: string | undefined): { from?: Date; toExclusive?: Date } {
  const parse = (value: string, name: string, end: boolean): Date => {
    if (PLAIN_DATE.test(value)) {
      const day = new Date(`${value}T00:00:00.000Z`);
      if (Number.isNaN(day.getTime()) || !day.toISOString().startsWith(value)) throw new ValidationFailedError(`${name}: not a date`);
      return end ? new Date(day.getTime() + 86_400_000) : day;
    }
    const instant = new Date(value);
    if (!DATE_TIME.test(value) || Number.isNaN(instant.getTime()))
      throw new ValidationFailedError(`${name}: must be a date (YYYY-MM-DD) or an ISO-8601 date-time`);
    return end ? new Date(instant.getTime() + 1) : instant;
  };
  return {
    from: from === undefined ? undefined : parse(from, 'from', false),
    toExclusive: to === undefined ? undefined : parse(to, 'to', true),
  };
}
