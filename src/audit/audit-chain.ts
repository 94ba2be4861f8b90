import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event.entity.js';

/**
 * The hash chain of the audit trail, shared by the writer and `audit:verify`.
 *
 * `hash = SHA-256(prev_hash + "\n" + JSON.stringify([id, kind, occurred_at, actor, roles, method, route,
 * path, action, scope, resource_type, resource_id, status, outcome, error_code, latency_ms, request_id,
 * upstream_request_id, idempotency_key, body_sha256, client_ip, detail, chain_id, chain_seq]))`, in hex,
 * with `occurred_at` as UTC ISO-8601 with milliseconds and absent values as null. The first event of a
 * chain has `chain_seq` 1 and `prev_hash` = `genesisHash(chain_id)`.
 */
export function chainHash(event: AuditEvent, prevHash: string): string {
  const content = JSON.stringify([
    event.id,
    event.kind,
    event.occurredAt.toISOString(),
    event.actor,
    event.roles,
    event.method,
    event.route,
    event.path,
    event.action,
    event.scope,
    event.resourceType,
    event.resourceId,
    event.status,
    event.outcome,
    event.errorCode,
    event.latencyMs,
    event.requestId,
    event.upstreamRequestId,
    event.idempotencyKey,
    event.bodySha256,
    event.clientIp,
    event.detail,
    event.chainId,
    event.chainSeq,
  ]);
  return createHash('sha256').update(`${prevHash}\n${content}`).digest('hex');
}

export function genesisHash(chainId: string): string {
  return createHash('sha256').update(`qbank-gateway audit chain ${chainId}`).digest('hex');
}
