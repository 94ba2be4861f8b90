import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import { GatewayConfig } from '../config/gateway-config.js';
import type { Caller } from '../common/request-context.js';
import { AuthInvalidError } from '../common/errors/gateway-errors.js';
import { ensureDevKeys } from './dev-keys.js';
import { scopesForRoles } from './roles.js';

/** Asymmetric algorithms only: `none` and HMAC (which would let a public key act as a secret) are refused. */
const ALGORITHMS: StrategyOptionsWithoutRequest['algorithms'] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
];

function strategyOptions(config: GatewayConfig): StrategyOptionsWithoutRequest {
  const { auth } = config;
  const base = { jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ignoreExpiration: false, audience: auth.audience };
  if (auth.mode === 'dev') {
    return { ...base, algorithms: ['RS256'], issuer: auth.devIssuer, secretOrKey: ensureDevKeys(auth.devKeyFile).publicKey };
  }
  if (auth.publicKey) return { ...base, algorithms: ALGORITHMS, issuer: auth.issuer, secretOrKey: auth.publicKey };
  return {
    ...base,
    algorithms: ALGORITHMS,
    issuer: auth.issuer,
    // Keys are cached and fetched at most a few times a minute, never per request.
    secretOrKeyProvider: passportJwtSecret({
      jwksUri: auth.jwksUrl!,
      cache: true,
      cacheMaxAge: 10 * 60_000,
      rateLimit: true,
      jwksRequestsPerMinute: 10,
    }),
  };
}

/** Verifies internal callers' JWTs: signature (dev key or JWKS), issuer, audience, expiry. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly roleTable: Record<string, string[]>;

  constructor(config: GatewayConfig) {
    super(strategyOptions(config));
    this.roleTable = config.roles;
  }

  validate(payload: { sub?: unknown; roles?: unknown }): Caller {
    // The sub is the actor in every record: a NUL cannot even be stored on PostgreSQL.
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200 || payload.sub.includes('\u0000'))
      throw new AuthInvalidError('the token has no usable sub');
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { sub: payload.sub, roles, scopes: scopesForRoles(this.roleTable, roles) };
  }
}
