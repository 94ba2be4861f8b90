import { type ArgumentMetadata, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/gateway-errors.js';

/** A path parameter that must be a UUID, lower-cased (ids compare case-insensitively); anything else is a 400 naming it. */
class LowerCaseUuidPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return ((await super.transform(value, metadata)) as string).toLowerCase();
  }
}

export const uuidParam = (name: string): ParseUUIDPipe =>
  new LowerCaseUuidPipe({ exceptionFactory: () => new ValidationFailedError(`${name}: must be a UUID`) });
