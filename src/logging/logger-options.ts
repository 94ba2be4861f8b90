import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { RequestContext } from '../common/request-context.js';

type Raw = IncomingMessage & { id?: string; gatewayContext?: RequestContext };

/**
 * JSON logs (pino) with the request id on every line. Requests are logged by method, route and status
 * only: no headers (tokens), no bodies (account numbers), no query strings.
 */
export function loggerOptions(config: GatewayConfig): Params {
  return {
    pinoHttp: {
      level: config.server.logLevel,
      base: { service: 'qbank-gateway' },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      genReqId: (req: IncomingMessage) => (req as Raw).id ?? '',
      customAttributeKeys: { reqId: 'request_id' },
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
        err: (err: Error) => ({ type: err.name, message: err.message }),
      },
      customProps: (req: IncomingMessage) => {
        const ctx = (req as Raw).gatewayContext;
        return ctx?.caller ? { actor: ctx.caller.sub } : {};
      },
      customSuccessMessage: (_req: IncomingMessage, res: ServerResponse) => `request completed ${res.statusCode}`,
      redact: {
        paths: ['req.headers', 'authorization', '*.authorization', '*.access_token', '*.client_secret', '*.account_number'],
        censor: '[redacted]',
      },
    },
  };
}
