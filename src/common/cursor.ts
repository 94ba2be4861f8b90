import { ValidationFailedError } from './errors/gateway-errors.js';
import { UUID_PATTERN } from './request-context.js';

/** What each position of a keyset cursor holds: an instant (ISO-8601 UTC with ms), a plain date or a UUID. */
export type CursorPart = 'instant' | 'date' | 'uuid';

const SHAPES: Record<CursorPart, RegExp> = {
  instant: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: UUID_PATTERN,
};

/** An opaque keyset cursor: the sort key of the last item of a page. */
export const encodeCursor = (values: string[]): string => Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * The sort key a cursor holds, validated part by part against what this list issues: a cursor that was
 * altered into anything else is refused (400), never turned into a query.
 */
export function decodeCursor<const P extends readonly CursorPart[]>(
  cursor: string | undefined,
  parts: P,
): { [K in keyof P]: string } | undefined {
  if (cursor === undefined) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  const valid =
    Array.isArray(values) &&
    values.length === parts.length &&
    values.every(
      (value, i) => typeof value === 'string' && SHAPES[parts[i]!].test(value) && (parts[i] === 'uuid' || !Number.isNaN(Date.parse(value))),
    );
  if (!valid) throw new ValidationFailedError('cursor: not a cursor of this list');
  return (values as string[]).map((value, i) => (parts[i] === 'uuid' ? value.toLowerCase() : value)) as { [K in keyof P]: string };
}
