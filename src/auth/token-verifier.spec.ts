import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { Clock } from '../common/clock.js';
import { AuthInvalidError } from '../common/errors/gateway-errors.js';
import { loadConfig } from '../config/gateway-config.js';
import { ensureDevKeys } from './dev-keys.js';
import { CLOCK_SKEW_SECONDS, subProblem, TokenVerifier } from './token-verifier.js';

/** A clock a test stands where it wants. */
class StoppedClock extends Clock {
  constructor(public seconds: number) {
    super();
  }
  override now(): Date {
    return new Date(this.seconds * 1000);
  }
}

describe('TokenVerifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-verifier-'));
  const config = loadConfig({ AUTH_MODE: 'dev', AUTH_DEV_KEY_FILE: join(dir, 'key'), AUTH_MAX_TOKEN_TTL_SECONDS: '3600' });
  const { privateKey } = ensureDevKeys(config.auth.devKeyFile);
  // A moment far from the machine's own clock: the verifier must read "now" from its Clock only.
  const T = 2_000_000_000;
  const clock = new StoppedClock(T);
  const verifier = new TokenVerifier(config, clock);
  const sign = (payload: Record<string, unknown>, options: jwt.SignOptions = {}) =>
    jwt.sign({ sub: 'erp', roles: ['auditor'], ...payload }, privateKey, {
      algorithm: 'RS256',
      issuer: config.auth.devIssuer,
      audience: config.auth.audience,
      noTimestamp: !('iat' in payload),
      ...options,
    });
  const refusal = (token: string) =>
    verifier.verify(token).then(
      () => 'accepted',
      (error: Error) => {
        expect(error).toBeInstanceOf(AuthInvalidError);
        return error.message;
      },
    );

  beforeEach(() => (clock.seconds = T));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a token within the rules, with the caller and its scopes, and its exp', async () => {
    const verified = await verifier.verify(sign({ iat: T, exp: T + 3600 }));
    expect(verified.caller).toMatchObject({ sub: 'erp', roles: ['auditor'] });
    expect(verified.caller.scopes.has('audit.read')).toBe(true);
    expect(verified.expiresAt).toBe(T + 3600);
  });

  it('expiry is judged by the Clock', async () => {
    const token = sign({ iat: T, exp: T + 600 });
    clock.seconds = T + 600;
    expect(await refusal(token)).toMatch(/token expired/);
  });

  it('exp is required; the lifetime is exp - iat, or exp - now (with the skew) without iat', async () => {
    expect(await refusal(sign({ iat: T }))).toMatch(/no exp/);
    expect(await refusal(sign({ iat: T, exp: T + 3601 }))).toMatch(/longer than the 3600 seconds/);
    expect(await refusal(sign({ iat: T - 3000, exp: T + 601 }))).toMatch(/longer than/);
    expect(await refusal(sign({ exp: T + 3600 + CLOCK_SKEW_SECONDS }))).toBe('accepted');
    expect(await refusal(sign({ exp: T + 3601 + CLOCK_SKEW_SECONDS }))).toMatch(/longer than/);
  });

  it('iat may be ahead of the clock by the skew, no more', async () => {
    expect(await refusal(sign({ iat: T + CLOCK_SKEW_SECONDS, exp: T + CLOCK_SKEW_SECONDS + 60 }))).toBe('accepted');
    expect(await refusal(sign({ iat: T + CLOCK_SKEW_SECONDS + 1, exp: T + CLOCK_SKEW_SECONDS + 61 }))).toMatch(/issued in the future/);
  });

  it('refuses a crit header, whatever it names', async () => {
    expect(await refusal(sign({ iat: T, exp: T + 60 }, { header: { alg: 'RS256', crit: ['exp'] } }))).toMatch(/crit/);
    expect(await refusal(sign({ iat: T, exp: T + 60 }, { header: { alg: 'RS256', crit: [] } }))).toMatch(/crit/);
  });
});

describe('subProblem: a sub must be fit to be the actor of every record', () => {
  it.each(['payroll', 'erp-service', 'svc:treasury/eu', 'qbank-sync', 'Zoë'])('accepts %j', (sub) => {
    expect(subProblem(sub)).toBeUndefined();
  });
  it.each([undefined, 7, '', '  ', 'qbank', 'SYSTEM', ' anonymous', 'a\u0000b', 'a\tb', 'a\u2028b', 'q\u200bbank', 'x'.repeat(201)])(
    'refuses %j',
    (sub) => {
      expect(subProblem(sub)).toEqual(expect.any(String));
    },
  );
});
