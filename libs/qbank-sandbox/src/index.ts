import type { AddressInfo } from 'node:net';
import { buildSandboxApp } from './app.js';
import { settingsFromEnv, type SandboxSettings } from './settings.js';

export { signWebhook } from './webhooks.js';
export { settingsFromEnv, DEFAULT_CLIENTS, type SandboxSettings, type SandboxClient } from './settings.js';
export { SchemaValidator } from './validation.js';

export interface RunningSandbox {
  /** `http://host:port` — admin routes live under `/sandbox`. */
  url: string;
  /** The QBank base URL, with its version prefix: `http://host:port/v1`. */
  baseUrl: string;
  port: number;
  settings: SandboxSettings;
  close(): Promise<void>;
}

/** Starts the QBank sandbox; `overrides` win over the environment (`port: 0` picks a free port). */
export async function startSandbox(overrides: Partial<SandboxSettings> = {}): Promise<RunningSandbox> {
  const settings: SandboxSettings = { ...settingsFromEnv(), ...overrides };
  const { app, shutdown } = buildSandboxApp(settings);
  await app.listen({ port: settings.port, host: settings.host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${settings.host}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    settings,
    close: async () => {
      shutdown();
      await app.close();
    },
  };
}
