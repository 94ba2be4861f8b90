import { readFileSync } from 'node:fs';
import { verifyWebhookSignature } from './webhook-signature.js';

interface Vector {
  name: string;
  secret: string;
  body: string;
  header: string;
  valid_at: number;
  expect: 'valid' | 'invalid';
}

// Made by an independent implementation of the same scheme (see test/fixtures).
const vectors = (JSON.parse(readFileSync('test/fixtures/webhook-signatures.json', 'utf8')) as { cases: Vector[] }).cases;

describe('verifyWebhookSignature against independent test vectors', () => {
  it('has both valid and invalid cases to check', () => {
    expect(vectors.filter((v) => v.expect === 'valid').length).toBeGreaterThan(2);
    expect(vectors.filter((v) => v.expect === 'invalid').length).toBeGreaterThan(2);
  });

  it.each(vectors.map((v) => [`${v.name} → ${v.expect}`, v] as const))('%s', (_name, vector) => {
    const verdict = verifyWebhookSignature({
      rawBody: vector.body,
      header: vector.header,
      secrets: [vector.secret],
      nowSeconds: vector.valid_at,
    });
    expect(verdict.valid).toBe(vector.expect === 'valid');
  });

  it('accepts any of several configured secrets (rotation) and refuses when none matches', () => {
    const valid = vectors.find((v) => v.expect === 'valid')!;
    expect(
      verifyWebhookSignature({
        rawBody: valid.body,
        header: valid.header,
        secrets: ['old-secret', valid.secret],
        nowSeconds: valid.valid_at,
      }).valid,
    ).toBe(true);
    expect(
      verifyWebhookSignature({ rawBody: valid.body, header: valid.header, secrets: ['old-secret', 'other'], nowSeconds: valid.valid_at }),
    ).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('refuses a timestamp outside the tolerance on either side, and a missing header', () => {
    const valid = vectors.find((v) => v.expect === 'valid')!;
    const t = Number(/t=(\d+)/.exec(valid.header)![1]);
    const check = (now: number) =>
      verifyWebhookSignature({ rawBody: valid.body, header: valid.header, secrets: [valid.secret], nowSeconds: now });
    expect(check(t + 300).valid).toBe(true);
    expect(check(t + 301)).toEqual({ valid: false, reason: 'stale' });
    expect(check(t - 301)).toEqual({ valid: false, reason: 'stale' });
    expect(verifyWebhookSignature({ rawBody: valid.body, header: undefined, secrets: [valid.secret] })).toEqual({
      valid: false,
      reason: 'missing',
    });
  });
});
