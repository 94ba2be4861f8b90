import { ValidationPipe, type ValidationError } from '@nestjs/common';
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
