import type { AuditEvent } from './audit-event.entity.js';

/** An audit event as the API and the exports show it; its own `timestamp`, `actor` and `request_id` are the audit fields. */
export interface AuditEventView {
  id: string;
  kind: string;
  timestamp: string;
  actor: string;
  roles: string[];
  action: string;
  method: string | null;
  route: string | null;
  path: string | null;
  scope: string | null;
  resource_type: string | null;
  resource_id: string | null;
  status: number | null;
  outcome: string;
  error_code: string | null;
  latency_ms: number | null;
  request_id: string;
  upstream_request_id: string | null;
  idempotency_key: string | null;
  body_sha256: string | null;
  client_ip: string | null;
  detail: unknown;
  chain_id: string | null;
  chain_seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

export function auditEventView(e: AuditEvent): AuditEventView {
  let detail: unknown = null;
  if (e.detail) {
    try {
      detail = JSON.parse(e.detail) as unknown;
    } catch {
      detail = e.detail;
    }
  }
  return {
    id: e.id,
    kind: e.kind,
    timestamp: e.occurredAt.toISOString(),
    actor: e.actor,
    roles: e.roles ? e.roles.split(',') : [],
    action: e.action,
    method: e.method,
    route: e.route,
    path: e.path,
    scope: e.scope,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    status: e.status,
    outcome: e.outcome,
    error_code: e.errorCode,
    latency_ms: e.latencyMs,
    request_id: e.requestId,
    upstream_request_id: e.upstreamRequestId,
    idempotency_key: e.idempotencyKey,
    body_sha256: e.bodySha256,
    client_ip: e.clientIp,
    detail,
    chain_id: e.chainId,
    chain_seq: e.chainSeq,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/** The CSV columns, in order: the view's fields (`roles` joined by `;`, `detail` as JSON). */
export const CSV_COLUMNS: (keyof AuditEventView)[] = [
  'id',
  'timestamp',
  'kind',
  'actor',
  'roles',
  'action',
  'method',
  'route',
  'path',
  'scope',
  'resource_type',
  'resource_id',
  'status',
  'outcome',
  'error_code',
  'latency_ms',
  'request_id',
  'upstream_request_id',
  'idempotency_key',
  'body_sha256',
  'client_ip',
  'detail',
  'chain_id',
  'chain_seq',
  'prev_hash',
  'hash',
];

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes doubled; text
 * that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return) is prefixed with `'` (OWASP's advice against CSV injection). Numbers are written as they are.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = Array.isArray(value) ? value.join(';') : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(view: AuditEventView): string {
  return `${CSV_COLUMNS.map((column) => csvField(view[column])).join(',')}\r\n`;
}
