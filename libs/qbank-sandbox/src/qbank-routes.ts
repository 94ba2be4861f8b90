import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AchBatchRequest, PositivePayExceptionStatus, PositivePayIssueRequest, TransferRequest, WireRequest } from '#qbank/contract';
import { ERROR_CODES } from '#qbank/contract';
import { publicPayment, type StoredPayment } from './bank.js';
import { isoDateTime } from './data/calendar.js';
import { SandboxError } from './errors.js';
import { dateTimeParam, decodeCursor, enumParam, limitParam, listPage, optionalUuid, page, pathUuid, type Query } from './http-helpers.js';
import { idempotentPost, type IdempotentOperation } from './idempotent-post.js';
import { publicTransaction, stamp, stampBatch } from './stamping.js';
import type { SandboxState } from './state.js';

const EXCEPTION_STATUSES: readonly PositivePayExceptionStatus[] = ['PENDING_DECISION', 'PAID', 'RETURNED'];

/** QBank Connect's own API under `/v1`, as the OpenAPI document describes it. */
export function registerQBankRoutes(app: FastifyInstance, state: SandboxState): void {
  const { settings, tokens } = state;
  const authorize = (request: FastifyRequest, scope: string): string => tokens.authorize(request, scope).clientId;

  /** Wires and transfers: processed while the caller waits, answered 201 with the payment. */
  const realTimePayment = <B>(
    operation: Omit<IdempotentOperation, 'status'>,
    send: (body: B, key: string, clientId: string, id: string, processingMs: number) => Promise<StoredPayment>,
  ) =>
    idempotentPost<B>(state, { ...operation, status: 201 }, async (body, key, clientId, id, request) =>
      stamp(request, clientId, publicPayment(await send(body, key, clientId, id, settings.processingMs))),
    );

  app.post('/v1/token', async (request, reply) => {
    state.tokenRequests += 1;
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (typeof form !== 'object') throw new SandboxError(400, ERROR_CODES.validation, 'Form body required');
    const answer = tokens.issue(form, request.headers.authorization);
    return reply.header('cache-control', 'no-store').send(answer);
  });

  app.get('/v1/accounts', async (request) => {
    const clientId = authorize(request, 'accounts.read');
    const { accounts, createdAt } = state.bank.data;
    return listPage(request.query as Query, 'accounts', accounts.length, (i) => {
      const a = accounts[i]!;
      return stamp(request, clientId, {
        account_id: a.account_id,
        account_number: a.account_number,
        account_type: a.account_type,
        name: a.name,
        currency: 'USD',
        status: 'OPEN' as const,
        routing_number: '026009593',
        opened_date: a.opened_date,
        updated_at: createdAt,
      });
    });
  });

  app.get('/v1/balances/:accountId', async (request) => {
    const clientId = authorize(request, 'balances.read');
    const account = state.bank.account(pathUuid(request, 'accountId'));
    const balance = state.bank.balance(account);
    return stamp(request, clientId, {
      account_id: account.account_id,
      currency: 'USD',
      ledger_balance: balance.ledger,
      available_balance: balance.available,
      as_of: isoDateTime(Date.now()),
    });
  });

  app.get('/v1/transactions', async (request) => {
    const clientId = authorize(request, 'transactions.read');
    const query = request.query as Query;
    const accountId = optionalUuid(query, 'account_id');
    if (!accountId) throw new SandboxError(400, ERROR_CODES.validation, 'account_id: is required');
    const since = dateTimeParam(query, 'posted_since');
    const until = dateTimeParam(query, 'posted_until');
    const limit = limitParam(query);
    const { data } = state.bank;
    const account = state.bank.account(accountId);
    const list = `t.${accountId}.${since ?? ''}.${until ?? ''}`;
    // Not `listPage`: the posting-date filters narrow the numbered range at both ends.
    const start = Math.max(decodeCursor(query, list), since === undefined ? 0 : data.firstIndexPostedFrom(account, since));
    const end = until === undefined ? data.transactionCount(account) : data.firstIndexPostedFrom(account, until);
    // One response time for the whole page, and each posting built in one step: pages of a thousand
    // postings are what a first sync asks for, over and over.
    const timestamp = isoDateTime(Date.now());
    return page(list, start, end, limit, (i) => publicTransaction(data.transaction(account, i), timestamp, clientId, request.id));
  });

  app.post(
    '/v1/payments/wire',
    realTimePayment<WireRequest>({ operation: 'wire', scope: 'payments.wire.write', schema: 'WireRequest' }, (...args) =>
      state.bank.wire(...args),
    ),
  );
  app.post(
    '/v1/transfers',
    realTimePayment<TransferRequest>({ operation: 'transfer', scope: 'transfers.write', schema: 'TransferRequest' }, (...args) =>
      state.bank.transfer(...args),
    ),
  );
  app.post(
    '/v1/payments/ach',
    idempotentPost<AchBatchRequest>(
      state,
      { operation: 'ach', scope: 'payments.ach.write', schema: 'AchBatchRequest', status: 202 },
      (body, key, clientId, id, request) => stampBatch(state.bank, request, clientId, state.bank.ach(body, key, clientId, id)),
    ),
  );
  app.post(
    '/v1/positivepay/issues',
    idempotentPost<PositivePayIssueRequest>(
      state,
      { operation: 'issue', scope: 'positivepay.issues.write', schema: 'PositivePayIssueRequest', status: 202 },
      (body, key, clientId, id, request) => {
        const { client_id: _c, ...issue } = state.bank.issue(body, key, clientId, id);
        return stamp(request, clientId, issue);
      },
    ),
  );

  app.get('/v1/payments/:paymentId', async (request) => {
    const clientId = authorize(request, 'payments.read');
    const id = pathUuid(request, 'paymentId');
    const payment = state.bank.payments.get(id);
    if (payment) return stamp(request, clientId, publicPayment(payment));
    const batch = state.bank.batches.get(id);
    if (batch) return stampBatch(state.bank, request, clientId, batch);
    throw new SandboxError(404, ERROR_CODES.paymentNotFound, `No payment or ACH batch with id ${id}`);
  });

  app.get('/v1/positivepay/issues/:issueId', async (request) => {
    const clientId = authorize(request, 'positivepay.issues.write');
    const id = pathUuid(request, 'issueId');
    const issue = state.bank.issues.get(id);
    if (!issue) throw new SandboxError(404, ERROR_CODES.issueNotFound, `No Positive Pay issue with id ${id}`);
    const { client_id: _c, ...rest } = issue;
    return stamp(request, clientId, rest);
  });

  app.get('/v1/positivepay/exceptions', async (request) => {
    const clientId = authorize(request, 'positivepay.exceptions.read');
    const query = request.query as Query;
    const accountId = optionalUuid(query, 'account_id');
    const status = enumParam(query, 'status', EXCEPTION_STATUSES);
    const matching = state.bank.exceptions.filter((e) => (!accountId || e.account_id === accountId) && (!status || e.status === status));
    return listPage(query, `x.${accountId ?? ''}.${status ?? ''}`, matching.length, (i) => stamp(request, clientId, matching[i]!));
  });
}
