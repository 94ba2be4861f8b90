import { randomUUID } from 'node:crypto';
import type {
  AchBatchRequest,
  Payment,
  PaymentStatus,
  PositivePayException,
  PositivePayIssue,
  PositivePayIssueRequest,
  TransferRequest,
  Unstamped,
  WireRequest,
} from '#qbank/contract';
import { PAYMENT_TRANSITIONS } from '#qbank/contract';
import { isoDate, isoDateTime, epochDay } from './data/calendar.js';
import type { Dataset, GeneratedAccount } from './data/dataset.js';
import { formatCents, parseCents } from './data/money.js';
import { hash32 } from './data/prng.js';
import { invalid, notFound } from './errors.js';
import type { WebhookDispatcher } from './webhooks.js';

export type StoredPayment = Unstamped<Payment> & { client_id: string; posted: boolean };
export interface StoredBatch {
  batch_id: string;
  debtor_account_id: string;
  sec_code: AchBatchRequest['sec_code'];
  idempotency_key: string;
  status: 'P_PENDING' | 'P_PROCESSING' | 'P_COMPLETED';
  payment_ids: string[];
  created_at: string;
  client_id: string;
}
type StoredIssue = Unstamped<PositivePayIssue> & { client_id: string };
type StoredException = Unstamped<PositivePayException>;

const mask = (accountNumber: string): string => `${'*'.repeat(Math.max(1, accountNumber.length - 4))}${accountNumber.slice(-4)}`;
/** The sandbox's deterministic failure rule: creditor accounts ending in 0000 do not exist. */
const failsAtCreditor = (accountNumber: string): boolean => accountNumber.endsWith('0000');
const ACH_RETURN_R03 = 'R03 No Account/Unable to Locate Account';
const WIRE_REJECTED = 'Beneficiary account not found at the receiving bank';

/** The sandbox's core banking: payments, ACH batches, Positive Pay issues and end of day. */
export class Bank {
  readonly payments = new Map<string, StoredPayment>();
  readonly batches = new Map<string, StoredBatch>();
  readonly issues = new Map<string, StoredIssue>();
  exceptions: StoredException[];
  /** Per account: ledger movements of final payments and holds of payments in flight (cents). */
  private readonly ledger = new Map<string, { settled: bigint; held: bigint }>();
  private readonly issuedChecks = new Map<string, Map<string, StoredIssue['checks'][number]>>();
  private readonly presentedChecks = new Set<string>();
  /** ACH entries that will be returned at settlement (by payment id). */
  private readonly achFailures = new Set<string>();

  constructor(
    readonly data: Dataset,
    private readonly webhooks: WebhookDispatcher,
    /** QBank's "now" for payments' timestamps (epoch ms). */
    private readonly now: () => number = Date.now,
  ) {
    this.exceptions = data.seededExceptions();
  }

  account(accountId: string): GeneratedAccount {
    const account = this.data.account(accountId);
    if (!account) throw notFound('account', accountId);
    return account;
  }

  balance(account: GeneratedAccount): { ledger: string; available: string } {
    const movement = this.ledger.get(account.account_id) ?? { settled: 0n, held: 0n };
    const ledger = account.openingCents + movement.settled;
    return { ledger: formatCents(ledger), available: formatCents(ledger - movement.held) };
  }

  private move(accountId: string, settled: bigint, held: bigint): void {
    const movement = this.ledger.get(accountId) ?? { settled: 0n, held: 0n };
    movement.settled += settled;
    movement.held += held;
    this.ledger.set(accountId, movement);
  }

  private newPayment(
    fields: Pick<
      StoredPayment,
      | 'type'
      | 'amount'
      | 'currency'
      | 'debtor_account_id'
      | 'creditor'
      | 'to_account_id'
      | 'description'
      | 'idempotency_key'
      | 'batch_id'
      | 'client_id'
    >,
    paymentId: string = randomUUID(),
  ): StoredPayment {
    const now = isoDateTime(this.now());
    const payment: StoredPayment = {
      ...fields,
      payment_id: paymentId,
      status: 'P_PENDING',
      failure_reason: null,
      status_history: [{ status: 'P_PENDING', at: now }],
      created_at: now,
      updated_at: now,
      posted: false,
    };
    this.payments.set(payment.payment_id, payment);
    this.move(payment.debtor_account_id, 0n, parseCents(payment.amount));
    return payment;
  }

  private transition(payment: StoredPayment, status: PaymentStatus, failureReason: string | null = null): void {
    if (!PAYMENT_TRANSITIONS[payment.status].includes(status)) {
      throw new Error(`illegal transition ${payment.status} → ${status}`);
    }
    const now = isoDateTime(this.now());
    payment.status = status;
    payment.updated_at = now;
    payment.status_history.push({ status, at: now });
    if (status !== 'P_COMPLETED' && status !== 'P_FAILED') return;
    const cents = parseCents(payment.amount);
    this.move(payment.debtor_account_id, status === 'P_COMPLETED' ? -cents : 0n, -cents);
    if (status === 'P_COMPLETED' && payment.to_account_id) this.move(payment.to_account_id, cents, 0n);
    payment.failure_reason = failureReason;
    this.webhooks.paymentFinal(publicPayment(payment));
  }

  /** A wire: created, processed for `processingMs`, then final. */
  async wire(body: WireRequest, key: string, clientId: string, paymentId: string, processingMs: number): Promise<StoredPayment> {
    this.account(body.debtor_account_id);
    const payment = this.newPayment(
      {
        type: 'WIRE',
        amount: body.amount,
        currency: body.currency,
        debtor_account_id: body.debtor_account_id,
        creditor: {
          name: body.creditor.name,
          routing_number: body.creditor.routing_number,
          account_number: mask(body.creditor.account_number),
        },
        to_account_id: null,
        description: body.description ?? '',
        idempotency_key: key,
        batch_id: null,
        client_id: clientId,
      },
      paymentId,
    );
    this.transition(payment, 'P_PROCESSING');
    await sleep(processingMs);
    if (failsAtCreditor(body.creditor.account_number)) this.transition(payment, 'P_FAILED', WIRE_REJECTED);
    else this.transition(payment, 'P_COMPLETED');
    return payment;
  }

  async transfer(body: TransferRequest, key: string, clientId: string, paymentId: string, processingMs: number): Promise<StoredPayment> {
    if (body.from_account_id === body.to_account_id) throw invalid('to_account_id: must differ from from_account_id');
    this.account(body.from_account_id);
    this.account(body.to_account_id);
    const payment = this.newPayment(
      {
        type: 'TRANSFER',
        amount: body.amount,
        currency: body.currency,
        debtor_account_id: body.from_account_id,
        creditor: null,
        to_account_id: body.to_account_id,
        description: body.description ?? '',
        idempotency_key: key,
        batch_id: null,
        client_id: clientId,
      },
      paymentId,
    );
    this.transition(payment, 'P_PROCESSING');
    await sleep(processingMs);
    this.transition(payment, 'P_COMPLETED');
    return payment;
  }

  ach(body: AchBatchRequest, key: string, clientId: string, batchId: string): StoredBatch {
    this.account(body.debtor_account_id);
    const batch: StoredBatch = {
      batch_id: batchId,
      debtor_account_id: body.debtor_account_id,
      sec_code: body.sec_code,
      idempotency_key: key,
      status: 'P_PENDING',
      payment_ids: [],
      created_at: isoDateTime(Date.now()),
      client_id: clientId,
    };
    for (const entry of body.payments) {
      const payment = this.newPayment({
        type: 'ACH',
        amount: entry.amount,
        currency: 'USD',
        debtor_account_id: body.debtor_account_id,
        creditor: {
          name: entry.creditor.name,
          routing_number: entry.creditor.routing_number,
          account_number: mask(entry.creditor.account_number),
          account_type: entry.creditor.account_type,
        },
        to_account_id: null,
        description: entry.description ?? '',
        idempotency_key: key,
        batch_id: batchId,
        client_id: clientId,
      });
      // The full number is needed once more, at settlement; keep only the verdict.
      if (failsAtCreditor(entry.creditor.account_number)) this.achFailures.add(payment.payment_id);
      batch.payment_ids.push(payment.payment_id);
    }
    this.batches.set(batchId, batch);
    return batch;
  }

  issue(body: PositivePayIssueRequest, key: string, clientId: string, issueId: string): StoredIssue {
    this.account(body.account_id);
    const now = isoDateTime(Date.now());
    const issue: StoredIssue = {
      issue_id: issueId,
      account_id: body.account_id,
      status: 'RECEIVED',
      idempotency_key: key,
      checks: body.checks.map((c) => ({
        check_number: c.check_number,
        amount: c.amount,
        payee_name: c.payee_name,
        issue_date: c.issue_date,
        void: c.void ?? false,
        status: 'RECEIVED',
        reason: null,
      })),
      created_at: now,
      updated_at: now,
      client_id: clientId,
    };
    this.issues.set(issueId, issue);
    return issue;
  }

  /** The batch run: settles pending ACH and processes received Positive Pay issue files. */
  settle(): { settled_payments: number; processed_issues: number } {
    let settled = 0;
    for (const batch of this.batches.values()) {
      if (batch.status !== 'P_PENDING') continue;
      batch.status = 'P_PROCESSING';
      for (const id of batch.payment_ids) {
        const payment = this.payments.get(id);
        if (!payment || payment.status !== 'P_PENDING') continue;
        this.transition(payment, 'P_PROCESSING');
        if (this.achFailures.delete(id)) this.transition(payment, 'P_FAILED', ACH_RETURN_R03);
        else this.transition(payment, 'P_COMPLETED');
        settled += 1;
      }
      batch.status = 'P_COMPLETED';
    }
    let processed = 0;
    for (const issue of this.issues.values()) {
      if (issue.status !== 'RECEIVED') continue;
      const register = this.issuedChecks.get(issue.account_id) ?? new Map<string, StoredIssue['checks'][number]>();
      this.issuedChecks.set(issue.account_id, register);
      for (const check of issue.checks) {
        if (register.has(check.check_number) && !check.void) {
          check.status = 'REJECTED';
          check.reason = 'DUPLICATE_CHECK_NUMBER';
        } else {
          check.status = 'ACCEPTED';
          register.set(check.check_number, check);
        }
      }
      issue.status = 'PROCESSED';
      issue.updated_at = isoDateTime(Date.now());
      processed += 1;
    }
    return { settled_payments: settled, processed_issues: processed };
  }

  /**
   * End of day: settled payments are posted as transactions (carrying their payment id), new activity
   * is generated, and issued checks are presented — voided ones and some with a different amount
   * become Positive Pay exceptions.
   */
  endOfDay(activityPerAccount: number): { posted_payments: number; new_transactions: number; new_exceptions: number } {
    const now = Date.now();
    let posted = 0;
    for (const payment of this.payments.values()) {
      if (payment.status !== 'P_COMPLETED' || payment.posted) continue;
      payment.posted = true;
      const description = `${payment.type} ${payment.description}`.trim();
      const base = {
        type: payment.type,
        amount: payment.amount,
        currency: payment.currency,
        description,
        transaction_date: payment.created_at,
        value_date: isoDate(epochDay(Date.parse(payment.updated_at))),
        payment_id: payment.payment_id,
        check_number: null,
      };
      this.data.appendPosting(
        this.account(payment.debtor_account_id),
        { ...base, transaction_id: randomUUID(), account_id: payment.debtor_account_id, direction: 'DEBIT' },
        now,
      );
      if (payment.to_account_id) {
        this.data.appendPosting(
          this.account(payment.to_account_id),
          { ...base, transaction_id: randomUUID(), account_id: payment.to_account_id, direction: 'CREDIT' },
          now,
        );
      }
      posted += 1;
    }
    for (const account of this.data.accounts) this.data.appendActivity(account, activityPerAccount, now);
    let newExceptions = 0;
    const today = isoDate(epochDay(now));
    for (const [accountId, register] of this.issuedChecks) {
      for (const check of register.values()) {
        const id = `${accountId}:${check.check_number}`;
        if (this.presentedChecks.has(id)) continue;
        this.presentedChecks.add(id);
        const mismatch = hash32(this.data.seed, Number(check.check_number) % 2_147_483_647) % 4 === 0;
        if (!check.void && !mismatch) continue;
        this.exceptions.push({
          exception_id: randomUUID(),
          account_id: accountId,
          check_number: check.check_number,
          presented_amount: check.void ? check.amount : formatCents(parseCents(check.amount) + 1000n),
          issued_amount: check.amount,
          payee_name: check.payee_name,
          presented_date: today,
          reason: check.void ? 'VOIDED' : 'AMOUNT_MISMATCH',
          status: 'PENDING_DECISION',
          decision_deadline: isoDateTime(now + 86_400_000),
        });
        newExceptions += 1;
      }
    }
    return { posted_payments: posted, new_transactions: activityPerAccount * this.data.accounts.length, new_exceptions: newExceptions };
  }
}

/** A payment as the API shows it (without the sandbox's bookkeeping fields). */
export function publicPayment(payment: StoredPayment): Unstamped<Payment> {
  const { client_id: _client, posted: _posted, ...rest } = payment;
  return { ...rest, status_history: payment.status_history.map((h) => ({ ...h })) };
}

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve());
