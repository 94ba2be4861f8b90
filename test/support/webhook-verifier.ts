import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { testNow } from './clock.js';

/** The Standard Webhooks tolerance for `webhook-timestamp`. */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * Verifies a delivery with the Standard Webhooks reference library (an independent implementation of the
 * signature: `v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`, any one of the
 * space-separated signatures matching), the timestamp within 5 minutes of `now` — the sending gateway's
 * clock, which tests move (the library's own check would use the machine's). Throws when it does not verify.
 */
export function verifyWebhook(secret: string, body: string, headers: IncomingHttpHeaders, now = testNow()): unknown {
  const [id, stamp, signatures] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => headers[name]);
  if (typeof id !== 'string' || typeof stamp !== 'string' || typeof signatures !== 'string') throw new Error('Missing required headers');
  const timestamp = Number(stamp);
  if (!Number.isInteger(timestamp)) throw new Error('Invalid Signature Headers');
  if (Math.abs(now.getTime() / 1000 - timestamp) > TOLERANCE_SECONDS) throw new Error('Message timestamp outside the tolerance');
  const expected = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  if (!signatures.split(' ').includes(expected)) throw new Error('No matching signature found');
  return JSON.parse(body) as unknown;
}
