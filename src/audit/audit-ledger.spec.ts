import type { GatewayConfig } from '../config/gateway-config.js';
import { sqliteDatabase } from '../../test/support/sqlite-database.js';
import { chainHash, genesisHash } from './audit-chain.js';
import { recordEvent } from './audit-event.factory.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditEventRepository } from './audit-event.repository.js';
import { AuditLedger } from './audit-ledger.js';

const event = (n: number) => recordEvent({ kind: 'payment', action: 'payment.created', resourceType: 'payment', resourceId: `p-${n}` });

describe('AuditLedger: hash chains appended in transactions (a real SQLite database)', () => {
  let database: Awaited<ReturnType<typeof sqliteDatabase>>;
  let ledger: AuditLedger;
  const stored = () => database.db.reader.find(AuditEvent, { order: { chainId: 'ASC', chainSeq: 'ASC' } });

  beforeEach(async () => {
    database = await sqliteDatabase();
    ledger = new AuditLedger(database.writer, { audit: { enabled: true } } as GatewayConfig, new AuditEventRepository(database.db));
  });
  afterEach(() => database.close());

  it('links each event to the one before it, across transactions, from the genesis of its chain', async () => {
    await database.db.transaction((manager) => ledger.append(manager, [event(1), event(2)]));
    await database.db.transaction((manager) => ledger.append(manager, [event(3)]));
    const events = await stored();
    expect(events.map((e) => e.chainSeq)).toEqual([1, 2, 3]);
    expect(new Set(events.map((e) => e.chainId)).size).toBe(1);
    let head = genesisHash(events[0]!.chainId!);
    for (const e of events) {
      expect(e.prevHash).toBe(head);
      expect(chainHash(e, head)).toBe(e.hash);
      head = e.hash!;
    }
  });

  it('after a rollback the lane starts a new chain: what committed still verifies, nothing refers to what did not', async () => {
    await database.db.transaction((manager) => ledger.append(manager, [event(1)]));
    await expect(
      database.db.transaction(async (manager) => {
        await ledger.append(manager, [event(2)]);
        throw new Error('the change it recorded failed');
      }),
    ).rejects.toThrow('the change it recorded failed');
    await database.db.transaction((manager) => ledger.append(manager, [event(3)]));
    const events = await stored();
    expect(events.map((e) => e.resourceId).sort()).toEqual(['p-1', 'p-3']);
    const chains = new Set(events.map((e) => e.chainId));
    expect(chains.size).toBe(2);
    for (const e of events) {
      expect(e.chainSeq).toBe(1);
      expect(e.prevHash).toBe(genesisHash(e.chainId!));
    }
  });

  it('refuses to append outside a transaction; a NUL in free text is stored as U+FFFD', async () => {
    await expect(ledger.append(database.db.reader, [event(1)])).rejects.toThrow('inside a transaction');
    const hostile = recordEvent({ kind: 'payment', action: 'payment.created', resourceType: 'payment', resourceId: 'p\u0000x' });
    await database.db.transaction((manager) => ledger.append(manager, [hostile]));
    expect((await stored()).map((e) => e.resourceId)).toEqual(['p\uFFFDx']);
  });
});
