import type { Account, PositivePayException, Transaction, Unstamped } from '#qbank/contract';
import {
  businessDayOnOrAfter,
  businessDayOnOrBefore,
  businessDaysEndingAt,
  dayStartMs,
  epochDay,
  isoDate,
  isoDateTime,
} from './calendar.js';
import { formatCents } from './money.js';
import { hash32, intBetween, Kind, unit, uuidFrom } from './prng.js';

type AccountType = Account['account_type'];
type TxType = Transaction['type'];

const ACCOUNT_TYPES: AccountType[] = ['CHECKING', 'SAVINGS', 'MONEY_MARKET', 'PAYROLL', 'ZERO_BALANCE'];
const ACCOUNT_NAMES: Record<AccountType, string> = {
  CHECKING: 'Operating',
  SAVINGS: 'Reserve Savings',
  MONEY_MARKET: 'Money Market',
  PAYROLL: 'Payroll',
  ZERO_BALANCE: 'Disbursement ZBA',
};
const TX_TYPES: { type: TxType; weight: number; direction: 'CREDIT' | 'DEBIT' | 'EITHER'; text: string }[] = [
  { type: 'ACH', weight: 30, direction: 'EITHER', text: 'ACH' },
  { type: 'CARD', weight: 20, direction: 'DEBIT', text: 'CARD PURCHASE' },
  { type: 'CHECK', weight: 12, direction: 'DEBIT', text: 'CHECK PAID' },
  { type: 'DEPOSIT', weight: 12, direction: 'CREDIT', text: 'REMOTE DEPOSIT' },
  { type: 'WIRE', weight: 10, direction: 'EITHER', text: 'WIRE' },
  { type: 'TRANSFER', weight: 8, direction: 'EITHER', text: 'BOOK TRANSFER' },
  { type: 'FEE', weight: 5, direction: 'DEBIT', text: 'ANALYSIS FEE' },
  { type: 'INTEREST', weight: 3, direction: 'CREDIT', text: 'INTEREST CREDIT' },
];
const TX_WEIGHT_TOTAL = TX_TYPES.reduce((sum, t) => sum + t.weight, 0);
const COUNTERPARTIES = ['ACME SUPPLY', 'GLOBEX CORP', 'INITECH', 'UMBRELLA LLC', 'STARK IND', 'WAYNE ENT', 'HOOLI', 'VANDELAY IMP'];

/** QBank's own routing number (a valid ABA number). */
export const QBANK_ROUTING_NUMBER = '026009593';
/** The end-of-day run stamps postings from this time of day (UTC). */
const EOD_OFFSET_MS = 22 * 3_600_000;
/** Roughly how many postings a generated account gets per business day. */
const POSTINGS_PER_DAY = 25;
const MAX_HISTORY_DAYS = 520;

/** A posting added after the generated history (end-of-day runs); kept as a plain record. */
export interface ExtraTransaction extends Unstamped<Transaction> {
  posting_ms: number;
}

export interface GeneratedAccount {
  index: number;
  account_id: string;
  account_number: string;
  account_type: AccountType;
  name: string;
  opened_date: string;
  openingCents: bigint;
}

/**
 * The seeded dataset. Accounts are few and kept; generated transactions are derived from
 * (seed, account, index) on demand and never stored, so a million of them cost nothing in memory.
 * Postings made later (end of day) are appended per account as `ExtraTransaction`s.
 */
export class Dataset {
  readonly accounts: GeneratedAccount[];
  private readonly byId = new Map<string, GeneratedAccount>();
  private readonly days: number[];
  private readonly extras: ExtraTransaction[][];
  readonly createdAt: string;

  constructor(
    readonly seed: number,
    accountCount: number,
    readonly perAccount: number,
    historyEndDay: number,
  ) {
    this.createdAt = isoDateTime(Date.now());
    const dayCount = Math.max(1, Math.min(MAX_HISTORY_DAYS, Math.ceil(perAccount / POSTINGS_PER_DAY)));
    this.days = businessDaysEndingAt(businessDayOnOrBefore(historyEndDay), dayCount);
    this.accounts = Array.from({ length: accountCount }, (_, i) => this.makeAccount(i));
    for (const account of this.accounts) this.byId.set(account.account_id, account);
    this.extras = this.accounts.map(() => []);
  }

  private makeAccount(i: number): GeneratedAccount {
    const s = this.seed;
    const type = ACCOUNT_TYPES[i === 0 ? 0 : hash32(s, Kind.account, i, 1) % ACCOUNT_TYPES.length] ?? 'CHECKING';
    const digits = String(1_000_000_000 + (hash32(s, Kind.account, i, 2) % 9_000_000_000)).padStart(10, '0');
    const openedDay = (this.days[0] ?? 20_000) - intBetween(30, 3650, s, Kind.account, i, 3);
    return {
      index: i,
      account_id: uuidFrom(s, Kind.account, i),
      account_number: `******${digits.slice(-4)}`,
      account_type: type,
      name: `${ACCOUNT_NAMES[type]} ${String(i + 1).padStart(2, '0')}`,
      opened_date: isoDate(openedDay),
      openingCents: BigInt(intBetween(1_000_000, 500_000_000, s, Kind.balance, i)),
    };
  }

  account(accountId: string): GeneratedAccount | undefined {
    return this.byId.get(accountId);
  }

  /** Transactions of an account, generated and appended, in posting order. */
  transactionCount(account: GeneratedAccount): number {
    return this.perAccount + (this.extras[account.index]?.length ?? 0);
  }

  /** Posting instant (ms) of the i-th transaction of an account: strictly increasing in i. */
  postingMs(account: GeneratedAccount, i: number): number {
    if (i >= this.perAccount) return this.extras[account.index]?.[i - this.perAccount]?.posting_ms ?? Infinity;
    const dayIndex = Math.floor((i * this.days.length) / this.perAccount);
    const firstOfDay = Math.ceil((dayIndex * this.perAccount) / this.days.length);
    return dayStartMs(this.days[dayIndex] ?? 0) + EOD_OFFSET_MS + (i - firstOfDay);
  }

  /** The first index whose posting is at or after `ms` (binary search: postings are ordered). */
  firstIndexPostedFrom(account: GeneratedAccount, ms: number): number {
    let lo = 0;
    let hi = this.transactionCount(account);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.postingMs(account, mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  transaction(account: GeneratedAccount, i: number): ExtraTransaction {
    if (i >= this.perAccount) {
      const extra = this.extras[account.index]?.[i - this.perAccount];
      if (!extra) throw new RangeError(`no transaction ${i}`);
      return extra;
    }
    return this.generate(account, i, this.postingMs(account, i), i);
  }

  /** One generated posting; `salt` keeps appended activity distinct from the history. */
  private generate(account: GeneratedAccount, i: number, postingMs: number, salt: number): ExtraTransaction {
    const s = this.seed;
    const a = account.index;
    const pick = hash32(s, Kind.transaction, a, salt, 1) % TX_WEIGHT_TOTAL;
    let acc = 0;
    const kind = TX_TYPES.find((t) => (acc += t.weight) > pick) ?? TX_TYPES[0]!;
    const direction = kind.direction === 'EITHER' ? (hash32(s, Kind.transaction, a, salt, 2) % 2 ? 'CREDIT' : 'DEBIT') : kind.direction;
    // Amounts spread over four orders of magnitude, like a corporate account's activity.
    const magnitude = 10 ** intBetween(2, 6, s, Kind.transaction, a, salt, 3);
    const cents = BigInt(Math.max(1, Math.floor(unit(s, Kind.transaction, a, salt, 4) * magnitude)));
    const postingDay = epochDay(postingMs);
    // Most activity happens on the posting day; some was initiated up to 4 calendar days before
    // (weekends included) and is value-dated from its initiation: back-valued.
    const lagRoll = unit(s, Kind.transaction, a, salt, 5);
    const lagDays = lagRoll < 0.75 ? 0 : intBetween(1, 4, s, Kind.transaction, a, salt, 6);
    const initiatedDay = postingDay - lagDays;
    const initiatedMs = dayStartMs(initiatedDay) + intBetween(13 * 3_600_000, 21 * 3_600_000, s, Kind.transaction, a, salt, 7);
    const valueDay = Math.min(postingDay, businessDayOnOrAfter(initiatedDay));
    const counterparty = COUNTERPARTIES[hash32(s, Kind.transaction, a, salt, 8) % COUNTERPARTIES.length] ?? '';
    const checkNumber = kind.type === 'CHECK' ? String(1000 + (hash32(s, Kind.transaction, a, salt, 9) % 9000)) : null;
    return {
      transaction_id: uuidFrom(s, Kind.transaction, a, salt),
      account_id: account.account_id,
      type: kind.type,
      direction,
      amount: formatCents(cents),
      currency: 'USD',
      description: checkNumber ? `${kind.text} #${checkNumber}` : `${kind.text} ${counterparty}`,
      transaction_date: isoDateTime(initiatedMs),
      value_date: isoDate(valueDay),
      posting_date: isoDateTime(postingMs),
      posting_ms: postingMs,
      payment_id: null,
      check_number: checkNumber,
    };
  }

  /** Appends a posting to an account's history; `postingMs` must not go back in time. */
  appendPosting(
    account: GeneratedAccount,
    posting: Omit<ExtraTransaction, 'posting_ms' | 'posting_date'>,
    postingMs: number,
  ): ExtraTransaction {
    const list = this.extras[account.index]!;
    const last = this.transactionCount(account) > 0 ? this.postingMs(account, this.transactionCount(account) - 1) : 0;
    const at = Math.max(postingMs, last + 1);
    const extra: ExtraTransaction = { ...posting, posting_ms: at, posting_date: isoDateTime(at) };
    list.push(extra);
    return extra;
  }

  /** New generated activity for an account, posted at `postingMs` (end of day). */
  appendActivity(account: GeneratedAccount, count: number, postingMs: number): void {
    for (let k = 0; k < count; k += 1) {
      const index = this.transactionCount(account);
      const salt = 0x4000_0000 + index;
      const generated = this.generate(account, index, postingMs, salt);
      const { posting_ms: _ignored, posting_date: _date, ...rest } = generated;
      this.appendPosting(account, rest, postingMs + k);
    }
  }

  /**
   * Positive Pay exceptions derived from the seed: checks presented against each account that do not
   * match its register of issued checks (a few per account).
   */
  seededExceptions(): Unstamped<PositivePayException>[] {
    const out: Unstamped<PositivePayException>[] = [];
    const reasons: PositivePayException['reason'][] = ['NOT_ISSUED', 'AMOUNT_MISMATCH', 'VOIDED', 'STALE_DATED', 'DUPLICATE_PRESENTMENT'];
    const lastDay = this.days[this.days.length - 1] ?? 0;
    for (const account of this.accounts) {
      const count = intBetween(1, 4, this.seed, Kind.exception, account.index);
      for (let k = 0; k < count; k += 1) {
        const reason = reasons[hash32(this.seed, Kind.exception, account.index, k, 1) % reasons.length] ?? 'NOT_ISSUED';
        const issuedCents = BigInt(intBetween(5_000, 2_500_000, this.seed, Kind.exception, account.index, k, 2));
        const presentedCents =
          reason === 'AMOUNT_MISMATCH'
            ? issuedCents + BigInt(intBetween(100, 90_000, this.seed, Kind.exception, account.index, k, 3))
            : issuedCents;
        const presentedDay = lastDay - intBetween(0, 2, this.seed, Kind.exception, account.index, k, 4);
        out.push({
          exception_id: uuidFrom(this.seed, Kind.exception, account.index, k),
          account_id: account.account_id,
          check_number: String(5000 + (hash32(this.seed, Kind.exception, account.index, k, 5) % 5000)),
          presented_amount: formatCents(presentedCents),
          issued_amount: reason === 'NOT_ISSUED' ? null : formatCents(issuedCents),
          payee_name: reason === 'NOT_ISSUED' ? null : (COUNTERPARTIES[k % COUNTERPARTIES.length] ?? null),
          presented_date: isoDate(presentedDay),
          reason,
          status: 'PENDING_DECISION',
          decision_deadline: isoDateTime(dayStartMs(businessDayOnOrAfter(presentedDay + 1)) + 16 * 3_600_000),
        });
      }
    }
    return out;
  }
}
