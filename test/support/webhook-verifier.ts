import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A Standard Webhooks verifier, written from the specification (github.com/standard-webhooks): the
 * signature is `v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}` keyed with the
 * base64-decoded secret after `whsec_`; any one of the space-separated signatures may match; the timestamp
 * must be within 5 minutes. With the `standardwebhooks` package installed, the body of this function is
 * one line: `return new Webhook(secret).verify(body, headers)`.
 */
export function verifyWebhook(secret: string, body: string, headers: IncomingHttpHeaders): unknown {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string')
    throw new Error('Missing required headers');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 5 * 60) throw new Error('Message timestamp too old or too new');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  for (const signature of signatures.split(' ')) {
    const [version, value] = signature.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    if (version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)) return JSON.parse(body) as unknown;
  }
  throw new Error('No matching signature found');
}
