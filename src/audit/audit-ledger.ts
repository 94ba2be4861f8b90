import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { GatewayConfig } from '../config/gateway-config.js';
import { chainHash, genesisHash } from './audit-chain.js';
import type { AuditEvent } from './audit-event.entity.js';
import { AuditEventRepository } from './audit-event.repository.js';

/** One chain: the position and hash of its last committed event. */
interface Lane {
  chainId: string;
  seq: number;
  head: string;
}

/** A transaction's hold on a lane: where the chain stands with the events it appended so far. */
interface Hold {
  lane: Lane;
  seq: number;
  head: string;
}

/**
 * Appends audit events to hash chains, inside the caller's transaction. A chain is only ever extended by
 * one transaction at a time, so each process keeps a few *lanes* — one chain each — and a transaction
 * holds one lane from its first audit event until it ends (TypeORM tells its subscribers when a transaction
 * commits or rolls back): the lane's head moves on at commit, and after a rollback the lane starts a new
 * chain (its last event may or may not have committed, so the old chain simply ends where the database
 * says it does). Replicas never share a chain, so no lock spans processes; `audit:verify` checks every
 * chain. SQLite runs one transaction at a time: one lane. PostgreSQL gets as many lanes as pooled
 * connections, so auditing never waits for a lane that a connection could use.
 */
@Injectable()
export class AuditLedger implements EntitySubscriberInterface {
  private readonly idle: Lane[] = [];
  private readonly waiting: ((lane: Lane) => void)[] = [];
  private readonly held = new Map<QueryRunner, Hold>();
  readonly enabled: boolean;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    config: GatewayConfig,
    private readonly events: AuditEventRepository,
  ) {
    this.enabled = config.audit.enabled;
    const lanes = dataSource.options.type === 'postgres' ? poolSize(dataSource) : 1;
    for (let i = 0; i < lanes; i += 1) this.idle.push(newLane());
    dataSource.subscribers.push(this);
  }

  /** Chains `events` (in order) and inserts them in the transaction of `manager`. */
  async append(manager: EntityManager, events: AuditEvent[]): Promise<void> {
    if (!this.enabled || events.length === 0) return;
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('audit events are appended inside a transaction');
    let hold = this.held.get(runner);
    if (!hold) {
      const lane = await this.acquire();
      hold = { lane, seq: lane.seq, head: lane.head };
      this.held.set(runner, hold);
    }
    for (const event of events) {
      scrubText(event);
      hold.seq += 1;
      event.chainId = hold.lane.chainId;
      event.chainSeq = hold.seq;
      event.prevHash = hold.head;
      event.hash = chainHash(event, hold.head);
      hold.head = event.hash;
    }
    await this.events.insert(manager, events);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    this.release(event.queryRunner, true);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.release(event.queryRunner, false);
  }

  private acquire(): Promise<Lane> {
    const lane = this.idle.pop();
    if (lane) return Promise.resolve(lane);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(runner: QueryRunner, committed: boolean): void {
    const hold = this.held.get(runner);
    if (!hold) return;
    this.held.delete(runner);
    let lane = hold.lane;
    if (committed) Object.assign(lane, { seq: hold.seq, head: hold.head });
    else lane = newLane();
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
