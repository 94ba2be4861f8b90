import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ValidationFailedError } from '../errors/gateway-errors.js';

export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map(
      (m) => `${path}: ${m.startsWith(`${error.property} `) ? m.slice(error.property.length + 1) : m}`,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/** Whitelisting, unknown fields refused, each bad field named in the 400. */
export const gatewayValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(`Invalid request: ${describeValidationErrors(errors).join('; ')}`),
  });

/** Deeper than any request the gateway accepts; deeper bodies are refused before anything walks them recursively. */
const MAX_BODY_DEPTH = 32;

/**
 * The nesting depth of a parsed JSON value, measured without recursion (a hostile body may nest thousands
 * deep); -1 when a string in it holds a NUL character, which no text column (PostgreSQL's) can store.
 */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string' && node.includes('\u0000')) return -1;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Validates a request body against a DTO class the way the global pipe does; throws a 400 naming each bad field. */
export async function validateBody<T extends object>(dto: new () => T, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationFailedError('body: must be a JSON object');
  const depth = depthOf(body, MAX_BODY_DEPTH);
  if (depth < 0) throw new ValidationFailedError('body: a string holds a NUL character');
  if (depth > MAX_BODY_DEPTH) throw new ValidationFailedError(`body: nested deeper than ${MAX_BODY_DEPTH} levels`);
  const instance = plainToInstance(dto, body);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new ValidationFailedError(`Invalid request: ${describeValidationErrors(errors).join('; ')}`);
  return instance;
}
