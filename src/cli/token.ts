import { parseArgs } from 'node:util';
import { ensureDevKeys, signDevToken } from '../auth/dev-keys.js';
import { loadConfig } from '../config/gateway-config.js';

/**
 * `npm run token -- --sub <client-id> --roles <role,role> [--ttl <seconds>]`: a dev JWT that a gateway
 * with AUTH_MODE=dev accepts, printed on the last line. A negative --ttl gives an expired token.
 */
// `--ttl -60` reads as an option to parseArgs; join a negative value to its flag first.
const args = process.argv
  .slice(2)
  .flatMap((arg, i, all) =>
    arg === '--ttl' && /^-\d+$/.test(all[i + 1] ?? '')
      ? []
      : i > 0 && all[i - 1] === '--ttl' && /^-\d+$/.test(arg)
        ? [`--ttl=${arg}`]
        : [arg],
  );
const { values } = parseArgs({
  args,
  options: { sub: { type: 'string' }, roles: { type: 'string', default: '' }, ttl: { type: 'string', default: '3600' } },
  strict: true,
});
const ttl = Number(values.ttl);
if (!values.sub || !Number.isInteger(ttl)) {
  process.stderr.write('usage: npm run token -- --sub <client-id> --roles <role,role> [--ttl <seconds>]\n');
  process.exit(64);
}
// Only the dev-auth settings matter here; a gateway pointed at a real QBank still signs with the same key file.
const config = loadConfig({ ...process.env, QBANK_BASE_URL: '', AUTH_MODE: 'dev', NODE_ENV: 'development' });
const roles = values.roles
  .split(',')
  .map((r) => r.trim())
  .filter(Boolean);
const unknown = roles.filter((r) => !Object.hasOwn(config.roles, r));
if (unknown.length) process.stderr.write(`warning: unknown role(s) ${unknown.join(', ')} grant nothing\n`);
const token = signDevToken(ensureDevKeys(config.auth.devKeyFile), {
  sub: values.sub,
  roles,
  ttlSeconds: ttl,
  issuer: config.auth.devIssuer,
  audience: config.auth.audience,
});
process.stdout.write(`${token}\n`);
