import { generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startCaptureServer } from './support/capture-server.js';
import { call, startGateway } from './support/gateway.js';

describe('JWKS mode: keys from the identity provider, with issuer and audience', () => {
  it('accepts a token signed by a key of the JWKS, refuses others', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', use: 'sig', alg: 'RS256' };
    const idp = await startCaptureServer(() => ({
      status: 200,
      body: JSON.stringify({ keys: [jwk] }),
      headers: { 'content-type': 'application/json' },
    }));
    // The identity provider signs with the machine's clock.
    const gw = await startGateway({
      clock: 'real',
      env: {
        AUTH_MODE: 'jwks',
        AUTH_JWKS_URL: `${idp.url}/.well-known/jwks.json`,
        AUTH_ISSUER: 'https://idp.example',
        AUTH_AUDIENCE: 'qbank-gateway',
      },
    });
    try {
      const sign = (claims: object, options: jwt.SignOptions) =>
        jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: 'key-1', expiresIn: 60, ...options });
      for (const sub of ['payroll', 'erp', 'treasury']) {
        const good = sign({ sub, roles: ['treasury-viewer'] }, { issuer: 'https://idp.example', audience: 'qbank-gateway' });
        expect((await call(gw, 'GET', '/v1/payments/' + randomUUID(), { token: good })).body).toMatchObject({ error_code: 'GW_NOT_FOUND' });
      }
      // three tokens verified, keys fetched once
      expect(idp.requests.length).toBe(1);
      const wrongIssuer = sign(
        { sub: 'payroll', roles: ['treasury-viewer'] },
        { issuer: 'https://evil.example', audience: 'qbank-gateway' },
      );
      expect((await call(gw, 'GET', '/v1/payments/' + randomUUID(), { token: wrongIssuer })).status).toBe(401);
      // a dev token is worthless here
      expect((await call(gw, 'GET', '/v1/payments/' + randomUUID(), { token: gw.token('x', ['treasury-viewer']) })).status).toBe(401);
    } finally {
      await gw.close();
      await idp.close();
    }
  });
});
