import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gateway:public';

/** Opens a route to unauthenticated callers: only health, docs, metrics and the QBank webhook. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
