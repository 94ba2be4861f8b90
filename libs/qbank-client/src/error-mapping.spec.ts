import { AxiosHeaders, type AxiosResponse } from 'axios';
import { headerValue, parseRetryAfter, successOrThrow, toError, transportError } from './error-mapping.js';
import {
  QBankApiError,
  QBankIdempotencyConflictError,
  QBankIdempotencyMismatchError,
  QBankNetworkError,
  QBankTimeoutError,
} from './errors.js';

const answer = (status: number, data: string, headers: Record<string, string> = {}): AxiosResponse<string> =>
  ({ status, data, headers: AxiosHeaders.from(headers), statusText: '', config: {} }) as AxiosResponse<string>;
const json = (status: number, body: object, headers: Record<string, string> = {}) =>
  answer(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

describe('error mapping', () => {
  it('a standard error → QBankApiError with QBank’s code, message, request id and Retry-After', () => {
    const error = toError(
      json(
        429,
        { message: 'Rate limit exceeded', error_code: 'ERR_RATE_001', request_id: 'body-id' },
        { 'retry-after': '7', 'x-request-id': 'header-id' },
      ),
    );
    expect(error).toBeInstanceOf(QBankApiError);
    expect(error).toMatchObject({
      status: 429,
      errorCode: 'ERR_RATE_001',
      message: 'Rate limit exceeded',
      requestId: 'body-id',
      retryAfterSeconds: 7,
    });
  });

  it('a token error with only the OAuth fields still gives its description', () => {
    expect(toError(json(400, { error: 'invalid_scope', error_description: 'Unknown scope: x' }))).toMatchObject({
      errorCode: 'HTTP_400',
      message: 'Unknown scope: x',
      retryAfterSeconds: null,
    });
  });

  it('an empty or non-JSON body → HTTP_<status>, with the request id from the header', () => {
    expect(toError(answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html', 'x-request-id': 'header-id' }))).toMatchObject({
      status: 502,
      errorCode: 'HTTP_502',
      requestId: 'header-id',
    });
    expect(toError(answer(500, ''))).toMatchObject({ status: 500, errorCode: 'HTTP_500', requestId: null });
  });

  it('idempotency problems → their own types, carrying transaction_id', () => {
    const problem = { type: 'https://api.qbank.example/problems/idempotency-conflict', detail: 'still processing', transaction_id: 't-1' };
    const conflict = toError(answer(409, JSON.stringify(problem), { 'content-type': 'application/problem+json' }));
    expect(conflict).toBeInstanceOf(QBankIdempotencyConflictError);
    expect(conflict).toMatchObject({ transactionId: 't-1', message: 'still processing' });
    expect(toError(answer(422, JSON.stringify(problem), { 'content-type': 'application/problem+json' }))).toBeInstanceOf(
      QBankIdempotencyMismatchError,
    );
  });

  it('Retry-After: delay-seconds or an HTTP date, never negative; anything else is ignored', () => {
    const now = Date.parse('2026-11-24T14:05:00Z');
    expect(parseRetryAfter(' 30 ', now)).toBe(30);
    expect(parseRetryAfter('Tue, 24 Nov 2026 14:05:09 GMT', now)).toBe(9);
    expect(parseRetryAfter('Tue, 24 Nov 2026 14:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(toError(json(503, { message: 'm', error_code: 'ERR_SYS_503' }, { 'retry-after': 'soon' }))).toMatchObject({
      retryAfterSeconds: null,
    });
  });

  it('reads headers from plain objects and from AxiosHeaders alike', () => {
    expect(headerValue({ headers: { 'x-request-id': 'plain' } } as unknown as AxiosResponse, 'x-request-id')).toBe('plain');
    expect(headerValue(answer(200, '', { 'X-Request-ID': 'axios' }), 'x-request-id')).toBe('axios');
  });

  it('2xx answers pass; others are thrown typed; no answer at all is a network error unless the transport typed it', () => {
    const ok = answer(204, '');
    expect(successOrThrow(ok)).toBe(ok);
    expect(() => successOrThrow(json(404, { message: 'No account', error_code: 'ERR_ACC_001', request_id: 'r' }))).toThrow(QBankApiError);
    const refused = transportError(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(refused).toBeInstanceOf(QBankNetworkError);
    expect(refused.message).toContain('ECONNREFUSED');
    const timeout = new QBankTimeoutError(500);
    expect(transportError(timeout)).toBe(timeout);
  });
});
