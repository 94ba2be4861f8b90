import PinoPretty from 'pino-pretty';

/** Fields the pretty line shows in its message (or leaves to the JSON format), not as trailing fields. */
const SHOWN_IN_MESSAGE = ['service', 'context', 'method', 'route', 'status', 'latency_ms', 'request_id', 'actor'];

/**
 * One readable line per entry, for a person at a terminal or running the sandbox: the time, the level, then
 * `GET /v1/balances/:accountId 200 4.2 ms dev-cli <request id>` for a request, or `[Context] message` and
 * any other fields for the rest. Written synchronously, so nothing is lost when the process exits.
 */
export function prettyStream(colorize: boolean): PinoPretty.PrettyStream {
  return PinoPretty({
    destination: 1,
    sync: true,
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...SHOWN_IN_MESSAGE].join(','),
    messageFormat: (log, messageKey) => {
      if (typeof log.route === 'string' && typeof log.status === 'number')
        return [log.method, log.route, log.status, `${String(log.latency_ms)} ms`, log.actor ?? '-', log.request_id].join(' ');
      const message = typeof log[messageKey] === 'string' ? log[messageKey] : '';
      return typeof log.context === 'string' ? `[${log.context}] ${message}` : message;
    },
  });
}
