import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new subscription secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export const newSecret = (): string => `${PREFIX}${randomBytes(32).toString('base64')}`;

/**
 * The `webhook-signature` header of Standard Webhooks: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed
 * with the bytes of each secret (base64 after `whsec_`), space-separated — one per secret in force, so that
 * during a rotation a receiver holding either the old or the new secret verifies.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
