import { startProcess } from './support/processes.js';

// `npm run sandbox` runs this compiled entry point (`npm test` builds first).
const SANDBOX_MAIN = 'dist/libs/qbank-sandbox/src/main.js';

describe('npm run sandbox', () => {
  it('starts the sandbox; a token, then the accounts, as the README shows', async () => {
    const sandbox = await startProcess(SANDBOX_MAIN, { SANDBOX_PORT: '0' }, (line) => line.includes('QBank sandbox listening'));
    try {
      const { base_url: baseUrl } = JSON.parse(sandbox.line) as { base_url: string };
      // curl -s -u gateway:sandbox-secret -d grant_type=client_credentials $BASE/token
      const token = await fetch(`${baseUrl}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('gateway:sandbox-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(token.status).toBe(200);
      const { access_token: accessToken } = (await token.json()) as { access_token: string };
      // curl -s -H "Authorization: Bearer $TOKEN" $BASE/accounts
      const accounts = await fetch(`${baseUrl}/accounts`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(accounts.status).toBe(200);
      const body = (await accounts.json()) as { data: { account_id: string; actor: string }[] };
      expect(body.data.length).toBe(5);
      expect(body.data[0]!.actor).toBe('gateway');
    } finally {
      await sandbox.stop();
    }
  });
});
