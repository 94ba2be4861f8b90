import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { ErrorAnswer, URL_NUL } from '../docs/error-answers.js';
import type { GatewayScope } from './roles.js';

export const REQUIRED_SCOPE = 'gateway:required-scope';
export const ANY_CALLER = 'gateway:any-caller';

/**
 * What every route behind the bearer token declares and can answer before its own code runs: the
 * `onRequest` hook's 400 and 401, the caller rate limit's 429.
 */
const Authenticated = (requiredScope: string): MethodDecorator =>
  applyDecorators(
    ApiBearerAuth('bearer'),
    ApiExtension('x-required-scope', requiredScope),
    ErrorAnswer(400, `${URL_NUL}, or more than one \`Authorization\` header or credential`),
    ErrorAnswer(401, 'No, malformed, expired or unverifiable token (`GW_AUTH_MISSING`, `GW_AUTH_INVALID`)'),
    ErrorAnswer(429, "The caller's rate limit (per replica) is spent (`GW_RATE_LIMITED`): retry after `Retry-After`"),
  );

/** The scope a route needs, its security requirement and its 400/401/403/429 answers, in one place. */
export const RequireScope = (scope: GatewayScope): MethodDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    Authenticated(scope),
    ErrorAnswer(403, `The caller's roles do not grant \`${scope}\` (\`GW_SCOPE_MISSING\`)`),
  );

/**
 * A route open to every authenticated caller, whatever its roles (the banking calendar: public facts, no
 * account data). Declared, so an undeclared route stays closed; the token is still required.
 */
export const AnyCaller = (): MethodDecorator => applyDecorators(SetMetadata(ANY_CALLER, true), Authenticated('(any authenticated caller)'));
