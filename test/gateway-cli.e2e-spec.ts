import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from './support/processes.js';
import { freePort } from './support/replicas.js';

// The compiled entry points that `npm start` and `npm run token` run (`npm test` builds first).
const MAIN = 'dist/src/main.js';
const TOKEN = 'dist/src/cli/token.js';

describe('npm start (sandbox mode) and npm run token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qbank-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with no QBANK_BASE_URL: starts the sandbox, migrates SQLite, prints a short readable start-up and a curl that returns a balance, then one line per request; dev tokens work', async () => {
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
      AUTH_DEV_KEY_FILE: join(dir, 'dev-signing-key'),
      QBANK_BASE_URL: '',
      LOG_LEVEL: 'info',
    };
    const gateway = await startProcess(MAIN, env, (line) => line.startsWith('curl '), 30_000);
    try {
      const [, token, url] = /^curl -s -H "Authorization: Bearer ([^"]+)" (\S+)$/.exec(gateway.line)!;
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/v1/balances/[0-9a-f-]{36}$`));
      const balance = await fetch(url!, { headers: { authorization: `Bearer ${token}` } });
      expect(balance.status).toBe(200);
      expect(await balance.json()).toMatchObject({ actor: 'dev-cli', currency: 'USD' });

      // npm run token -- --sub payroll --roles ap-clerk: the last line is the token
      const minted = execFileSync(process.execPath, [TOKEN, '--sub', 'payroll', '--roles', 'ap-clerk'], { env: { ...process.env, ...env } })
        .toString()
        .trim()
        .split('\n')
        .at(-1)!;
      // it carries iat and exp, an hour apart by default: within the lifetime the gateway accepts
      const claims = JSON.parse(Buffer.from(minted.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
      expect(claims.exp - claims.iat).toBe(3600);
      // a longer life than the gateway accepts is refused by the command itself, naming the setting
      const tooLong = (() => {
        try {
          execFileSync(process.execPath, [TOKEN, '--sub', 'erp', '--ttl', '86401'], { env: { ...process.env, ...env }, stdio: 'pipe' });
          return undefined;
        } catch (error) {
          return error as { status: number; stderr: Buffer; stdout: Buffer };
        }
      })();
      expect(tooLong?.status).toBe(64);
      expect(tooLong?.stderr.toString()).toContain('AUTH_MAX_TOKEN_TTL_SECONDS');
      expect(tooLong?.stdout.toString()).toBe('');
      const refused = await fetch(url!, { headers: { authorization: `Bearer ${minted}` } });
      expect(refused.status).toBe(403); // an ap-clerk may not read balances
      expect(await refused.json()).toMatchObject({ error_code: 'GW_SCOPE_MISSING' });

      const expired = execFileSync(process.execPath, [TOKEN, '--sub', 'erp', '--roles', 'treasury-viewer', '--ttl', '-60'], {
        env: { ...process.env, ...env },
      })
        .toString()
        .trim()
        .split('\n')
        .at(-1)!;
      const late = await fetch(url!, { headers: { authorization: `Bearer ${expired}` } });
      expect(late.status).toBe(401);
      await gateway.stop();
      // A short readable start-up: what runs where, then the curl — no JSON, none of Nest's module and route lines.
      const startup = gateway.output.slice(0, gateway.output.indexOf(gateway.line));
      expect(startup.length).toBeLessThanOrEqual(15);
      expect(startup.join('\n')).toMatch(
        /gateway +http:\/\/127\.0\.0\.1:\d+[\s\S]*sandbox +http:\/\/127\.0\.0\.1:\d+\/v1[\s\S]*database +sqlite:/,
      );
      expect(startup.filter((line) => line.startsWith('{') || /InstanceLoader|RouterExplorer|RoutesResolver/.test(line))).toEqual([]);
      // Then one line per request: method, route pattern, status, time, caller, request id.
      const requestLines = gateway.output.filter((line) => / INFO: (GET|POST) \//.test(line));
      expect(requestLines).toHaveLength(3);
      for (const line of requestLines)
        expect(line).toMatch(/ INFO: GET \/v1\/balances\/:accountId (200|403|401) [\d.]+ ms (dev-cli|payroll|-) [0-9a-f-]{36}$/);
      // (the ready-to-paste curl printed at start carries a dev token on purpose; the log lines never do)
      const logs = gateway.output.filter((line) => line !== gateway.line).join('\n');
      for (const secret of [token!, minted, expired, 'sandbox-secret', token!.split('.')[2]!]) expect(logs).not.toContain(secret);
    } finally {
      await gateway.stop();
    }
  });

  it('LOG_FORMAT=json: JSON lines, one per request with its request id, and no token', async () => {
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      DATABASE_URL: `sqlite:${join(dir, 'json.sqlite')}`,
      AUTH_DEV_KEY_FILE: join(dir, 'dev-signing-key'),
      QBANK_BASE_URL: '',
      LOG_FORMAT: 'json',
    };
    const gateway = await startProcess(MAIN, env, (line) => line.startsWith('curl '), 30_000);
    try {
      const [, token, url] = /^curl -s -H "Authorization: Bearer ([^"]+)" (\S+)$/.exec(gateway.line)!;
      expect((await fetch(url!, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(url!)).status).toBe(401);
      await gateway.stop();
      const logs = gateway.output.filter((line) => line.startsWith('{'));
      const requestLines = logs
        .map((line) => JSON.parse(line) as { msg: string; request_id?: string; status?: number; level: string })
        .filter((l) => l.msg === 'request completed');
      expect(requestLines.map((l) => [l.level, l.status])).toEqual([
        ['info', 200],
        ['info', 401],
      ]);
      expect(requestLines.every((l) => /^[0-9a-f-]{36}$/.test(l.request_id ?? ''))).toBe(true);
      expect(logs.join('\n')).not.toContain(token!.split('.')[2]!);
    } finally {
      await gateway.stop();
    }
  });

  it('outside sandbox mode without credentials, it refuses to start and names the settings', async () => {
    await expect(
      startProcess(
        MAIN,
        { QBANK_BASE_URL: 'http://127.0.0.1:9/v1', QBANK_CLIENT_ID: '', QBANK_CLIENT_SECRET: '', LOG_LEVEL: 'warn' },
        () => false,
        15_000,
      ),
    ).rejects.toThrow(/exited with 78[\s\S]*QBANK_CLIENT_ID[\s\S]*AUTH_JWKS_URL or AUTH_PUBLIC_KEY/);
  });
});
