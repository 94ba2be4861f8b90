import { createHmac } from 'node:crypto';

/** Signs a webhook body as QBank does (`t=…,v1=…`), for tests that play QBank's part. */
export function signWebhook(body: string, secret: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}
