import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import jwt from 'jsonwebtoken';

export interface DevKeys {
  privateKey: string;
  publicKey: string;
}

/**
 * The development signing key, shared by the gateway (AUTH_MODE=dev) and `npm run token`: read from
 * `file`, or created there (mode 0600) on first use. Two processes creating it at once agree on one.
 */
export function ensureDevKeys(file: string): DevKeys {
  let privateKey: string;
  try {
    privateKey = readFileSync(file, 'utf8');
  } catch {
    mkdirSync(dirname(file), { recursive: true });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      writeFileSync(file, pem, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    privateKey = readFileSync(file, 'utf8');
  }
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey };
}

export interface DevTokenRequest {
  sub: string;
  roles: string[];
  /** Seconds; negative gives an already expired token. */
  ttlSeconds: number;
  issuer: string;
  audience: string;
  /** When it is issued (default: now), for a gateway whose clock is moved. */
  issuedAt?: Date;
}

export function signDevToken(keys: DevKeys, request: DevTokenRequest): string {
  const now = Math.floor((request.issuedAt ?? new Date()).getTime() / 1000);
  return jwt.sign({ sub: request.sub, roles: request.roles, iat: now, exp: now + request.ttlSeconds }, keys.privateKey, {
    algorithm: 'RS256',
    issuer: request.issuer,
    audience: request.audience,
  });
}
