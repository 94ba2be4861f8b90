import { Injectable } from '@nestjs/common';
import { QBankClient, readAhead } from '#qbank/client';
import type { Transaction, Unstamped } from '#qbank/contract';
import { Clock } from '../common/clock.js';
import { parseMinor } from '../common/money.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { Database } from '../database/database.js';
import { PaymentRepository } from '../payments/payment.repository.js';
import type { RunProgress, Syncer } from '../sync/syncer.js';
import { TransactionEntity } from './transaction.entity.js';
import { TransactionRepository } from './transaction.repository.js';

const ACCOUNTS_PAGE = 1000;
/**
 * Transactions are read 250 to a page (~119 KB of the sandbox's JSON). A page's text above 128 KB is a V8
 * "large object", freed only by full collections: pages of 1,000 left ~90 MB of such garbage in a first sync.
 */
const TRANSACTION_PAGE = 250;
/** Pages requested ahead of the one being written, so QBank works while the database does. */
const READ_AHEAD = 3;
/** Rows per database transaction: whole pages, gathered before the transaction opens (it never waits on QBank). */
const WRITE_BATCH = 2000;

/**
 * Transactions, per account, forward from the latest posting already stored less an overlap window (late
 * postings), inserted by QBank's id when new; a posting that results from a payment the gateway sent is
 * linked to it.
 */
@Injectable()
export class TransactionsSyncer implements Syncer {
  readonly resource = 'transactions';

  constructor(
    private readonly qbank: QBankClient,
    private readonly db: Database,
    private readonly transactions: TransactionRepository,
    private readonly payments: PaymentRepository,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
  ) {}

  async run(progress: RunProgress): Promise<void> {
    const overlapMs = this.config.sync.overlapHours * 3_600_000;
    for await (const accounts of this.qbank.iterateAccounts({ limit: ACCOUNTS_PAGE }))
      for (const { account_id: accountId } of accounts.data) {
        const latest = await this.transactions.latestPosting(accountId);
        const since = latest ? new Date(latest.getTime() - overlapMs).toISOString() : undefined;
        const pages = readAhead(
          this.qbank.iterateTransactions({ account_id: accountId, posted_since: since, limit: TRANSACTION_PAGE }),
          READ_AHEAD,
        );
        let batch: Unstamped<Transaction>[] = [];
        let pagesInBatch = 0;
        for await (const page of pages) {
          batch.push(...page.data);
          pagesInBatch += 1;
          if (batch.length >= WRITE_BATCH) {
            await this.write(batch, pagesInBatch, progress);
            [batch, pagesInBatch] = [[], 0];
          }
        }
        if (pagesInBatch > 0) await this.write(batch, pagesInBatch, progress);
      }
  }

  private async write(rows: Unstamped<Transaction>[], pages: number, progress: RunProgress): Promise<void> {
    const now = this.clock.now();
    const inserted = await this.db.transaction(async (manager) => {
      const ours = await this.payments.idsByQBankId(manager, [
        ...new Set(rows.flatMap((t) => (t.payment_id ? [t.payment_id.toLowerCase()] : []))),
      ]);
      return this.transactions.insertNew(
        manager,
        rows.map((t) => transactionRow(t, ours, now)),
      );
    });
    // Counted once committed: a run that fails reports only what it stored.
    progress.pages += pages;
    progress.inserted += inserted;
    progress.unchanged += rows.length - inserted;
    const watermark = rows.at(-1)?.posting_date;
    if (watermark && (!progress.watermark || watermark > progress.watermark)) progress.watermark = watermark;
    await progress.onPage();
  }
}

/** A QBank transaction as a row of the store; `ours` maps QBank payment ids to the gateway's. */
export function transactionRow(t: Unstamped<Transaction>, ours: Map<string, string>, now: Date): TransactionEntity {
  return {
    transactionId: t.transaction_id,
    accountId: t.account_id,
    type: t.type,
    direction: t.direction,
    amountMinor: parseMinor(t.amount),
    currency: t.currency,
    description: t.description.slice(0, 500),
    transactionDate: new Date(t.transaction_date),
    valueDate: t.value_date,
    postingDate: new Date(t.posting_date),
    qbankPaymentId: t.payment_id?.toLowerCase() ?? null,
    paymentId: t.payment_id ? (ours.get(t.payment_id.toLowerCase()) ?? null) : null,
    checkNumber: t.check_number,
    syncedAt: now,
  };
}
