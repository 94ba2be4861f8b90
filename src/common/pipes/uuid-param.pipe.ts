import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/gateway-errors.js';

/** A path parameter that must be a UUID; anything else is a 400 naming it. */
export const uuidParam = (name: string): ParseUUIDPipe =>
  new ParseUUIDPipe({ exceptionFactory: () => new ValidationFailedError(`${name}: must be a UUID`) });
