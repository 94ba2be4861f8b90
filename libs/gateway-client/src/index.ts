export {
  createGatewayClient,
  unwrap,
  type GatewayApi,
  type GatewayClient,
  type GatewayClientOptions,
  type PaymentOptions,
} from './client.js';
export { GatewayApiError, GatewayError, GatewayProblemError, gatewayError } from './errors.js';
export { retryAfterSeconds, type RetryOptions, type Sleep } from './retry.js';
export type * from './resources.js';
export type { components, operations, paths } from './qbank-gateway.schema.js';
