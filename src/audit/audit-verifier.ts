import type { DataSource } from 'typeorm';
import { chainHash, genesisHash } from './audit-chain.js';
import { AuditCheckpoint, AuditEvent } from './audit-event.entity.js';

export interface VerifyReport {
  ok: boolean;
  events: number;
  chains: number;
  /** Events recorded before the chain existed (no hash to check). */
  unchained: number;
  broken?: { eventId: string; chainId: string; chainSeq: number; reason: string };
}

const PAGE = 5_000;

/**
 * Recomputes the hash chains of the events that occurred in [from, toExclusive): every event's hash from
 * its content and its predecessor's hash, and the chain positions for gaps. The first event of a chain in
 * the range links to the stored hash of its predecessor (outside the range), to a retention checkpoint,
 * or to the chain's genesis. Reads in keyset pages, so memory stays flat however long the range.
 * Stops at the first broken link and names its event.
 */
export async function verifyAuditChains(dataSource: DataSource, range: { from?: Date; toExclusive?: Date }): Promise<VerifyReport> {
  const events = dataSource.getRepository(AuditEvent);
  const checkpoints = dataSource.getRepository(AuditCheckpoint);
  const report: VerifyReport = { ok: true, events: 0, chains: 0, unchained: 0 };
  const inRange = () => {
    const qb = events.createQueryBuilder('e');
    if (range.from) qb.andWhere('e.occurred_at >= :from', { from: range.from });
    if (range.toExclusive) qb.andWhere('e.occurred_at < :to', { to: range.toExclusive });
    return qb;
  };
  report.unchained = await inRange().andWhere('e.chain_id IS NULL').getCount();

  let chain: { id: string; seq: number; head: string } | undefined;
  let after: { chainId: string; seq: number } | undefined;
  for (;;) {
    const qb = inRange().andWhere('e.chain_id IS NOT NULL');
    if (after) qb.andWhere('(e.chain_id > :c OR (e.chain_id = :c AND e.chain_seq > :s))', { c: after.chainId, s: after.seq });
    const page = await qb.orderBy('e.chain_id', 'ASC').addOrderBy('e.chain_seq', 'ASC').take(PAGE).getMany();
    for (const event of page) {
      const chainId = event.chainId!;
      const seq = event.chainSeq!;
      report.events += 1;
      const fail = (reason: string): VerifyReport => ({
        ...report,
        ok: false,
        broken: { eventId: event.id, chainId, chainSeq: seq, reason },
      });
      if (chain?.id !== chainId) {
        report.chains += 1;
        let head: string | undefined;
        if (seq === 1) head = genesisHash(chainId);
        else {
          const previous = await events.findOne({ where: { chainId, chainSeq: seq - 1 }, select: { hash: true } });
          head = previous?.hash ?? (await checkpoints.findOneBy({ chainId, chainSeq: seq - 1 }))?.hash;
        }
        if (!head) return fail(`event ${seq - 1} of this chain is missing and no retention checkpoint covers it`);
        chain = { id: chainId, seq: seq - 1, head };
      }
      if (seq !== chain.seq + 1) return fail(`events ${chain.seq + 1}..${seq - 1} of this chain are missing`);
      if (event.prevHash !== chain.head) return fail('prev_hash does not match the hash of the event before it');
      if (chainHash(event, chain.head) !== event.hash) return fail('hash does not match the event content: the event was altered');
      chain = { id: chainId, seq, head: event.hash };
    }
    if (page.length < PAGE) return report;
    const last = page[page.length - 1]!;
    after = { chainId: last.chainId!, seq: last.chainSeq! };
  }
}
