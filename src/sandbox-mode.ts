import { startSandbox, type RunningSandbox } from '#qbank/sandbox';
import type { GatewayConfig } from './config/gateway-config.js';

/**
 * Sandbox mode: the bundled QBank sandbox runs beside the gateway, posts its webhooks to the gateway's
 * own endpoint, and signs them with the gateway's webhook secret.
 */
export function startBundledSandbox(config: GatewayConfig): Promise<RunningSandbox> {
  const gatewayHost = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
  return startSandbox({
    port: config.sandboxPort,
    webhookUrl: `http://${gatewayHost}:${config.server.port}/v1/webhooks/qbank`,
    webhookSecret: config.qbank.webhookSecrets.join(','),
    quiet: true,
  });
}
