import { createHash } from 'node:crypto';
import { canonicalJson } from '#qbank/contract';
import { SandboxProblem } from './errors.js';

interface IdempotencyRecord {
  fingerprint: string;
  transactionId: string;
  state: 'processing' | 'done';
  status?: number;
  body?: unknown;
}

export type IdempotencyStart = { kind: 'new' } | { kind: 'replay'; status: number; body: unknown };

export const fingerprint = (operation: string, body: unknown): string =>
  createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');

/**
 * The bank's idempotency: keys are scoped to the OAuth client. A duplicate while the original is
 * processing → 409 with its transaction id; after completion → the original answer; with a different
 * body → 422.
 */
export class IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  begin(clientId: string, key: string, print: string, transactionId: string): IdempotencyStart {
    const id = `${clientId}\u0000${key}`;
    const existing = this.records.get(id);
    if (!existing) {
      this.records.set(id, { fingerprint: print, transactionId, state: 'processing' });
      return { kind: 'new' };
    }
    if (existing.fingerprint !== print) throw new SandboxProblem(422, existing.transactionId);
    if (existing.state === 'processing') throw new SandboxProblem(409, existing.transactionId);
    return { kind: 'replay', status: existing.status ?? 200, body: existing.body };
  }

  complete(clientId: string, key: string, status: number, body: unknown): void {
    const record = this.records.get(`${clientId}\u0000${key}`);
    if (record) Object.assign(record, { state: 'done', status, body });
  }

  /** Forgets a key whose request was refused before anything was created. */
  abandon(clientId: string, key: string): void {
    this.records.delete(`${clientId}\u0000${key}`);
  }

  clear(): void {
    this.records.clear();
  }
}
