import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * Verifies a delivery with the Standard Webhooks reference library (an independent implementation of the
 * signature: `v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`, any one of the
 * space-separated signatures matching, the timestamp within 5 minutes). Throws when it does not verify.
 */
export function verifyWebhook(secret: string, body: string, headers: IncomingHttpHeaders): unknown {
  const plain = Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return new Webhook(secret).verify(body, plain);
}
