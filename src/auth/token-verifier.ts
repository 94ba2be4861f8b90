import { createPublicKey, type KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import jwt, { type Algorithm, type GetPublicKeyOrSecret, type Jwt, type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { QBANK, SYSTEM_ACTOR } from '../audit/audit-event.factory.js';
import { Clock } from '../common/clock.js';
import { AuthInvalidError } from '../common/errors/gateway-errors.js';
import type { Caller } from '../common/request-context.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { ensureDevKeys } from './dev-keys.js';
import { scopesForRoles } from './roles.js';

/** Asymmetric algorithms only: `none` and HMAC (which would let a public key act as a secret) are refused. */
const ALGORITHMS: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * How far the issuer's clock may run ahead of the gateway's: an `iat` later than now plus this is refused,
 * and a token without `iat` may outlive the maximum lifetime by this much (its issuer's clock may be fast).
 */
export const CLOCK_SKEW_SECONDS = 60;

/** The actors the gateway writes itself (`anonymous`: the audit's name for a call without a caller). */
const RESERVED_SUBS = new Set([SYSTEM_ACTOR, QBANK.sub, 'anonymous']);

/** Control, format (zero-width, bidi override) and line/paragraph separator characters: invisible in a record, or able to forge one. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export interface VerifiedToken {
  caller: Caller;
  /** `exp`, in seconds since the epoch. */
  expiresAt: number;
}

/**
 * Verifies a caller's JWT completely, once: signature (dev key, a configured public key, or the JWKS),
 * algorithm, issuer, audience and expiry (jsonwebtoken), then what jsonwebtoken leaves to its user — a
 * `crit` header (the gateway understands no JWS extension, so RFC 7515 §4.1.11 says refuse), a required
 * `exp`, an `iat` not in the future, a bounded lifetime — and a `sub` fit to be the actor of every record.
 * Every refusal is a 401 `GW_AUTH_INVALID` whose reason says which rule failed.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: KeyObject | GetPublicKeyOrSecret;
  private readonly options: VerifyOptions & { complete: true };
  private readonly maxTtl: number;
  private readonly roleTable: Record<string, string[]>;

  constructor(
    config: GatewayConfig,
    private readonly clock: Clock,
  ) {
    const { auth } = config;
    this.maxTtl = auth.maxTokenTtlSeconds;
    this.roleTable = config.roles;
    const base = { audience: auth.audience, complete: true as const };
    if (auth.mode === 'dev') {
      this.options = { ...base, algorithms: ['RS256'], issuer: auth.devIssuer };
      // A KeyObject, parsed once: jsonwebtoken would parse a PEM string again on every verification.
      this.key = createPublicKey(ensureDevKeys(auth.devKeyFile).publicKey);
    } else {
      this.options = { ...base, algorithms: ALGORITHMS, issuer: auth.issuer };
      this.key = auth.publicKey ? createPublicKey(auth.publicKey) : jwksKeys(auth.jwksUrl!);
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const { header, payload } = await this.decodeVerified(token, now);
    if (header.crit !== undefined)
      throw new AuthInvalidError('the token names critical header extensions (crit) the gateway does not support');
    if (typeof payload === 'string') throw new AuthInvalidError('the token carries no claims');
    const { exp, iat } = payload as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthInvalidError('the token has no exp');
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) throw new AuthInvalidError('the token has an invalid iat');
    if (iat !== undefined && iat > now + CLOCK_SKEW_SECONDS) throw new AuthInvalidError('the token is issued in the future (iat)');
    const lifetime = iat === undefined ? exp - now - CLOCK_SKEW_SECONDS : exp - iat;
    if (lifetime > this.maxTtl) throw new AuthInvalidError(`the token lives longer than the ${this.maxTtl} seconds allowed (exp)`);
    return { caller: this.callerOf(payload), expiresAt: exp };
  }

  private callerOf(payload: JwtPayload): Caller {
    const problem = subProblem(payload.sub);
    if (problem) throw new AuthInvalidError(`the token's sub ${problem}`);
    const claimed: unknown = payload.roles;
    const roles = Array.isArray(claimed) ? claimed.filter((r): r is string => typeof r === 'string') : [];
    return { sub: payload.sub!, roles, scopes: scopesForRoles(this.roleTable, roles) };
  }

  /** jsonwebtoken's own checks, with "now" from the gateway's clock; its refusals as the gateway's. */
  private decodeVerified(token: string, now: number): Promise<Jwt> {
    return new Promise((resolve, reject) => {
      jwt.verify(token, this.key, { ...this.options, clockTimestamp: now }, (error, decoded) => {
        if (!error && decoded) return resolve(decoded);
        if (error?.name === 'TokenExpiredError') return reject(new AuthInvalidError('token expired'));
        // A JWKS lookup's own reason (see jwksKeys), without jsonwebtoken's prefix.
        reject(new AuthInvalidError(error?.message.replace(/^error in secret or public key callback: /, '') || 'unverifiable token'));
      });
    });
  }
}

/** Why `sub` cannot be the actor of the gateway's records, or undefined when it can. */
export function subProblem(sub: unknown): string | undefined {
  if (typeof sub !== 'string' || sub.trim() === '') return 'is missing or blank';
  if (sub.length > 200) return 'is longer than 200 characters';
  if (UNPRINTABLE.test(sub)) return 'holds control or invisible characters';
  if (RESERVED_SUBS.has(sub.trim().toLowerCase())) return 'is a name the gateway reserves for itself';
  return undefined;
}

/** Keys from the identity provider's JWKS, cached and fetched at most a few times a minute, never per request. */
function jwksKeys(jwksUri: string): GetPublicKeyOrSecret {
  const client = new JwksClient({ jwksUri, cache: true, cacheMaxAge: 10 * 60_000, rateLimit: true, jwksRequestsPerMinute: 10 });
  const logger = new Logger(TokenVerifier.name);
  // The messages given to the callback are the caller's 401 reason: no URL or network detail in them.
  return (header, callback) => {
    // Nothing is fetched for a token the algorithm check would refuse anyway.
    if (!ALGORITHMS.includes(header.alg as Algorithm)) return callback(new Error('invalid algorithm'));
    client.getSigningKey(header.kid).then(
      (key) => callback(null, key.getPublicKey()),
      (error: Error) => {
        if (error.name === 'SigningKeyNotFoundError')
          return callback(new Error('no signing key of the identity provider matches the token'));
        logger.warn({ reason: error.message }, 'the JWKS could not be fetched');
        callback(new Error("the identity provider's signing keys could not be fetched"));
      },
    );
  };
}
