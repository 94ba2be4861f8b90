import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { StandardErrorDto } from '../docs/error.dto.js';
import type { GatewayScope } from './roles.js';

export const REQUIRED_SCOPE = 'gateway:required-scope';
export const ANY_CALLER = 'gateway:any-caller';

/** The scope a route needs, its security requirement and its 401/403 answers, in one place. */
export const RequireScope = (scope: GatewayScope): MethodDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiBearerAuth('bearer'),
    ApiExtension('x-required-scope', scope),
    ApiUnauthorizedResponse({
      description: 'No, malformed, expired or unverifiable token (`GW_AUTH_MISSING`, `GW_AUTH_INVALID`)',
      type: StandardErrorDto,
    }),
    ApiForbiddenResponse({ description: `The caller's roles do not grant \`${scope}\` (\`GW_SCOPE_MISSING\`)`, type: StandardErrorDto }),
  );

/**
 * A route open to every authenticated caller, whatever its roles (the banking calendar: public facts, no
 * account data). Declared, so an undeclared route stays closed; the token is still required.
 */
export const AnyCaller = (): MethodDecorator =>
  applyDecorators(
    SetMetadata(ANY_CALLER, true),
    ApiBearerAuth('bearer'),
    ApiExtension('x-required-scope', '(any authenticated caller)'),
    ApiUnauthorizedResponse({
      description: 'No, malformed, expired or unverifiable token (`GW_AUTH_MISSING`, `GW_AUTH_INVALID`)',
      type: StandardErrorDto,
    }),
  );
