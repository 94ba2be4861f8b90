import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/gateway-config.js';

/** PostgreSQL did not answer at start-up: an outage to wait out (the orchestrator restarts the gateway), not a bad setting. */
export class DatabaseUnreachableError extends Error {}

const who = (): string => (process.getuid ? `uid ${process.getuid()}` : 'this user');

const sqliteError = (path: string, reason: string, setting = 'DATABASE_URL'): ConfigError =>
  new ConfigError(`Invalid configuration:\n  - ${setting}: cannot open the SQLite database ${path}: ${reason}`);

/** The SQLite file's directory, created if missing; one that cannot be is a configuration error naming it. */
export function ensureSqliteDirectory(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw sqliteError(path, `cannot create the directory ${dir} as ${who()} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const allowed = (path: string, mode: number): boolean => {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
};

/**
 * What opening the database `url` at start-up threw, as the operator needs it: a SQLite file this user
 * cannot open, or PostgreSQL refusing the credentials or the database name, is a configuration error (the
 * gateway exits 78); PostgreSQL not answering is `DatabaseUnreachableError`. Anything else is left as it is.
 */
export function databaseOpenError(url: string, error: unknown, setting = 'DATABASE_URL'): unknown {
  const { code, message } = error as { code?: unknown; message?: string };
  if (typeof code !== 'string') return error;
  if (url.startsWith('sqlite:')) {
    if (!/^SQLITE_(CANTOPEN|READONLY|PERM|NOTADB|AUTH)/.test(code)) return error;
    const path = url.slice('sqlite:'.length);
    // SQLite says only "unable to open database file": say which permission is missing.
    const reason =
      existsSync(path) && !allowed(path, constants.R_OK | constants.W_OK)
        ? `the file is not readable and writable by ${who()}`
        : !allowed(dirname(path), constants.W_OK)
          ? `its directory ${dirname(path)} is not writable by ${who()} (SQLite writes its journal beside the file)`
          : `${code}: ${message}`;
    return sqliteError(path, reason, setting);
  }
  const { host, pathname } = new URL(url);
  // SQLSTATE class 28: the role or its password refused; 3D000: no such database.
  if (code.startsWith('28') || code === '3D000')
    return new ConfigError(`Invalid configuration:\n  - ${setting}: PostgreSQL at ${host}${pathname} refused: ${message}`);
  if (/^E[A-Z]+$/.test(code)) return new DatabaseUnreachableError(`PostgreSQL at ${host} is unreachable (${code})`);
  return error;
}
