import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict =
  { valid: true; timestamp: number } | { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifyOptions {
  /** The raw request body, exactly as received (before any JSON parsing). */
  rawBody: string | Buffer;
  header: string | undefined;
  /** Every secret accepted now (several during a rotation). */
  secrets: readonly string[];
  toleranceSeconds?: number;
  nowSeconds?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifies `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]`.
 * Valid when some `v1` matches some secret (constant-time compare) and `t` is within the tolerance.
 */
export function verifyWebhookSignature(options: VerifyOptions): SignatureVerdict {
  const { header, secrets } = options;
  if (!header) return { valid: false, reason: 'missing' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value) && timestamp === undefined) timestamp = Number(value);
    else if (name === 'v1' && HEX64.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return { valid: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { valid: false, reason: 'stale' };
  const body = typeof options.rawBody === 'string' ? Buffer.from(options.rawBody, 'utf8') : options.rawBody;
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
    // Every pair is compared, so the time taken does not depend on which one matches.
    for (const signature of signatures) matched = timingSafeEqual(expected, signature) || matched;
  }
  return matched ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}
