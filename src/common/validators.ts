import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID, registerDecorator, type ValidationOptions } from 'class-validator';
import { isAbaRoutingNumber, isAmount } from './money.js';

/** A decimal-string amount > 0 with at most two decimals; a JSON number is refused. */
export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAmount',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'must be a decimal string greater than 0 with at most two decimals, e.g. "1250.00"', ...options },
      validator: { validate: (value: unknown) => isAmount(value) },
    });
}

/** A nine-digit ABA routing number with a valid check digit. */
export function IsAbaRoutingNumber(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAbaRoutingNumber',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'must be a nine-digit ABA routing number with a valid check digit', ...options },
      validator: { validate: (value: unknown) => isAbaRoutingNumber(value) },
    });
}

/** A calendar date written `YYYY-MM-DD`. */
export function IsPlainDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPlainDate',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'must be a date written YYYY-MM-DD', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          // An impossible month is an invalid Date (toISOString would throw: a 500); 02-30 rolls over to March.
          const day = new Date(`${value}T00:00:00Z`);
          return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
        },
      },
    });
}

/** Differs from another property of the same object (e.g. a transfer's two accounts). */
export function IsNotEqualTo(property: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotEqualTo',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [property],
      options: { message: `must differ from ${property}`, ...options },
      validator: { validate: (value: unknown, args) => value !== (args?.object as Record<string, unknown>)[property] },
    });
}

/** A UUID, compared case-insensitively: lower-cased at the edge, so `AF82…` and `af82…` are one id everywhere. */
export const IsId = (): PropertyDecorator =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value)),
    IsUUID(),
  );
