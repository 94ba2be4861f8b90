import { createHmac } from 'node:crypto';
import { newSecret, signatureHeader } from './webhook-signature.js';

describe('Standard Webhooks signature', () => {
  // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
  it('matches the specification example', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signatureHeader([secret], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs once per secret in force, space-separated', () => {
    const [a, b] = [newSecret(), newSecret()];
    const header = signatureHeader([a, b], 'id', 1, 'body');
    const expected = (s: string) =>
      `v1,${createHmac('sha256', Buffer.from(s.slice(6), 'base64'))
        .update('id.1.body')
        .digest('base64')}`;
    expect(header).toBe(`${expected(a)} ${expected(b)}`);
  });

  it('makes secrets of 32 random bytes', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newSecret()).not.toBe(secret);
  });
});
