import { visit } from 'jsonc-parser';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';

/** Deeper than any request the gateway accepts; deeper bodies are refused before anything walks them. */
const MAX_DEPTH = 32;

/**
 * The JSON body parser at the edge, for every route: strict JSON (`JSON.parse`), then one pass over the
 * text that refuses what `JSON.parse` silently accepts — a key given twice in one object (the last would
 * win: two readers of one body could disagree on an amount), nesting deeper than any request, and NUL
 * characters (which no PostgreSQL text column stores). Each refusal is a 400 naming where it is.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new ValidationFailedError('body: must not be empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationFailedError('body: is not valid JSON');
  }
  if (typeof value === 'object' && value !== null) inspect(text);
  return value;
}

function inspect(text: string): void {
  const keys: Set<string>[] = [];
  let depth = 0;
  const nest = () => {
    depth += 1;
    if (depth > MAX_DEPTH) throw new ValidationFailedError(`body: nested deeper than ${MAX_DEPTH} levels`);
  };
  const where = (path: (string | number)[]) => (path.length ? `body.${path.join('.')}` : 'body');
  visit(text, {
    onObjectBegin: () => {
      nest();
      keys.push(new Set());
    },
    onObjectEnd: () => {
      depth -= 1;
      keys.pop();
    },
    onArrayBegin: nest,
    onArrayEnd: () => {
      depth -= 1;
    },
    onObjectProperty: (property, _offset, _length, _line, _column, path) => {
      const seen = keys.at(-1)!;
      if (property.includes('\u0000')) throw new ValidationFailedError(`${where(path())}: a key holds a NUL character`);
      if (seen.has(property)) throw new ValidationFailedError(`${where([...path(), property])}: the key appears twice`);
      seen.add(property);
    },
    onLiteralValue: (value: unknown, _offset, _length, _line, _column, path) => {
      if (typeof value === 'string' && value.includes('\u0000')) throw new ValidationFailedError(`${where(path())}: holds a NUL character`);
    },
  });
}
