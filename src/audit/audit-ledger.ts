import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GatewayConfig } from '../config/gateway-config.js';
import { RowInserter } from '../database/row-inserter.js';
import { TransactionRunner } from '../database/transaction-runner.js';
import { chainHash, genesisHash } from './audit-chain.js';
import { AuditEvent } from './audit-event.entity.js';

/** One chain: the position and hash of its last committed event. */
interface Lane {
  chainId: string;
  seq: number;
  head: string;
}

/** Rows per INSERT statement (26 columns × 100 rows stays far below both databases' parameter limits). */
const INSERT_CHUNK = 100;

/**
 * Appends audit events to hash chains, inside the caller's transaction. A chain is only ever extended by
 * one transaction at a time, so each process keeps a few *lanes* — one chain each — and a transaction
 * holds one lane from its first audit event until it ends: the lane's head moves on at commit, and after
 * a rollback the lane starts a new chain (its last event may or may not have committed, so the old
 * chain simply ends where the database says it does). Replicas never share a chain, so no lock spans
 * processes; `audit:verify` checks every chain. SQLite runs one transaction at a time: one lane, one chain
 * per process run. PostgreSQL gets as many lanes as pooled connections, so auditing never waits for a lane
 * that a connection could use.
 */
@Injectable()
export class AuditLedger {
  private readonly idle: Lane[] = [];
  private readonly waiting: ((lane: Lane) => void)[] = [];
  private readonly inserter: RowInserter<AuditEvent>;
  private readonly held = new WeakMap<EntityManager, { lane: Lane; seq: number; head: string; staged: AuditEvent[] }>();
  readonly enabled: boolean;
  /** SQLite: events are inserted as they are appended (in-process, no round trips to save). */
  private readonly immediate: boolean;

  constructor(dataSource: DataSource, config: GatewayConfig) {
    this.enabled = config.audit.enabled;
    this.immediate = dataSource.options.type !== 'postgres';
    this.inserter = new RowInserter(dataSource, AuditEvent, { chunk: INSERT_CHUNK });
    const lanes = this.immediate ? 1 : poolSize(dataSource);
    for (let i = 0; i < lanes; i += 1) this.idle.push(newLane());
  }

  /**
   * Chains `events` (in order) into the transaction of `manager`. On PostgreSQL they are inserted together,
   * in as few statements as possible, just before the transaction commits; on SQLite at once, so that a
   * writer appending a large batch in parts can let other requests run between them.
   */
  async append(manager: EntityManager, events: AuditEvent[]): Promise<void> {
    if (!this.enabled || events.length === 0) return;
    let holding = this.held.get(manager);
    if (!holding) {
      const lane = await this.acquire();
      const staged = { lane, seq: lane.seq, head: lane.head, staged: [] as AuditEvent[] };
      holding = staged;
      this.held.set(manager, staged);
      if (!this.immediate) TransactionRunner.beforeCommit(manager, () => this.inserter.stage(manager, staged.staged));
      TransactionRunner.onEnd(manager, (committed) => {
        // SQLite's transactions all share one entity manager: forget this one's lane when it ends.
        this.held.delete(manager);
        this.release(staged, committed);
      });
    }
    for (const event of events) {
      scrubText(event);
      holding.seq += 1;
      event.chainId = holding.lane.chainId;
      event.chainSeq = holding.seq;
      event.prevHash = holding.head;
      event.hash = chainHash(event, holding.head);
      holding.head = event.hash;
      if (!this.immediate) holding.staged.push(event);
    }
    if (this.immediate) await this.inserter.stage(manager, events);
  }

  private acquire(): Promise<Lane> {
    const lane = this.idle.pop();
    if (lane) return Promise.resolve(lane);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(staged: { lane: Lane; seq: number; head: string }, committed: boolean): void {
    let lane = staged.lane;
    if (committed) {
      lane.seq = staged.seq;
      lane.head = staged.head;
    } else {
      lane = newLane();
    }
    const next = this.waiting.shift();
    if (next) next(lane);
    else this.idle.push(lane);
  }
}

function newLane(): Lane {
  const chainId = randomUUID();
  return { chainId, seq: 0, head: genesisHash(chainId) };
}

function poolSize(dataSource: DataSource): number {
  const extra = (dataSource.options as { extra?: { max?: number } }).extra;
  return Math.max(1, extra?.max ?? 10);
}

/** The free-text fields of an event: what a caller can put there (a path, a token's sub, a header). */
const TEXT_FIELDS = [
  'actor',
  'roles',
  'path',
  'route',
  'action',
  'resourceId',
  'errorCode',
  'upstreamRequestId',
  'idempotencyKey',
  'clientIp',
  'detail',
] as const;

/** No audit event may fail to store because of its text: a NUL (which PostgreSQL refuses) becomes U+FFFD. */
function scrubText(event: AuditEvent): void {
  for (const field of TEXT_FIELDS) {
    const value = event[field];
    if (typeof value === 'string' && value.includes('\u0000'))
      (event as unknown as Record<string, string>)[field] = value.replaceAll('\u0000', '\uFFFD');
  }
}
