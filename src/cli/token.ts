import { parseArgs } from 'node:util';
import { ensureDevKeys, signDevToken } from '../auth/dev-keys.js';
import { loadConfig } from '../config/gateway-config.js';

/**
 * `npm run token -- --sub <client-id> --roles <role,role> [--ttl <seconds>]`: a dev JWT that a gateway
 * with AUTH_MODE=dev accepts, printed on the last line. It carries `iat` and `exp`, and lives an hour by
 * default; a --ttl longer than AUTH_MAX_TOKEN_TTL_SECONDS is refused here rather than by the gateway later.
 * A negative --ttl gives an expired token.
 */
const DEFAULT_TTL_SECONDS = 3600;
const usage = 'usage: npm run token -- --sub <client-id> --roles <role,role> [--ttl <seconds>]\n';
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
  options: { sub: { type: 'string' }, roles: { type: 'string', default: '' }, ttl: { type: 'string' } },
  strict: true,
});
if (!values.sub || (values.ttl !== undefined && !/^-?\d+$/.test(values.ttl))) {
  process.stderr.write(usage);
  process.exit(64);
}
// Only the dev-auth settings matter here; a gateway pointed at a real QBank still signs with the same key file.
const config = loadConfig({ ...process.env, QBANK_BASE_URL: '', AUTH_MODE: 'dev', NODE_ENV: 'development' });
const maxTtl = config.auth.maxTokenTtlSeconds;
const ttl = values.ttl === undefined ? Math.min(DEFAULT_TTL_SECONDS, maxTtl) : Number(values.ttl);
if (ttl > maxTtl) {
  process.stderr.write(
    `--ttl ${ttl}: the gateway refuses tokens that live longer than ${maxTtl} seconds (AUTH_MAX_TOKEN_TTL_SECONDS); ask for at most that\n`,
  );
  process.exit(64);
}
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
