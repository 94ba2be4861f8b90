import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { QBankApiError, QBankIdempotencyConflictError, QBankNetworkError, QBankTimeoutError } from '#qbank/client';
import { errorAnswer } from './error-response.js';
import { ScopeMissingError } from './gateway-errors.js';

const id = '5b14ec5a-5e35-4ab8-b2e7-0b4eac5890f8';

describe('errorAnswer: every error in one of the two formats', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('an unexpected error → 500 GW_INTERNAL without internals, with the request id', () => {
    const answer = errorAnswer(new TypeError('cannot read x of undefined at /srv/app/secret.ts:12'), id);
    expect(answer).toMatchObject({ status: 500, contentType: 'application/json', body: { error_code: 'GW_INTERNAL', request_id: id } });
    expect(JSON.stringify(answer.body)).not.toMatch(/secret\.ts|TypeError|undefined/);
  });

  it('gateway errors keep their status, code and headers', () => {
    const answer = errorAnswer(new ScopeMissingError('payments.wire.write'), id);
    expect(answer).toMatchObject({
      status: 403,
      body: { error_code: 'GW_SCOPE_MISSING', message: expect.stringContaining('payments.wire.write') },
    });
  });

  it('Nest and Fastify refusals become GW_ codes', () => {
    expect(errorAnswer(new NotFoundException(), id)).toMatchObject({ status: 404, body: { error_code: 'GW_NOT_FOUND' } });
    expect(errorAnswer(new BadRequestException('x'), id)).toMatchObject({ status: 400, body: { error_code: 'GW_VALIDATION' } });
    expect(
      errorAnswer(Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), id),
    ).toMatchObject({
      status: 413,
      body: { error_code: 'GW_PAYLOAD_TOO_LARGE', message: expect.stringContaining('BODY_LIMIT_BYTES') },
    });
  });

  it('QBank failures: codes pass through, network → 502, timeout → 504, maintenance → 503 with Retry-After, 409 → problem', () => {
    expect(errorAnswer(new QBankApiError(404, 'ERR_ACC_001', 'No account', 'upstream-id'), id)).toMatchObject({
      status: 404,
      body: { error_code: 'ERR_ACC_001', request_id: id },
    });
    expect(errorAnswer(new QBankNetworkError('reset'), id)).toMatchObject({ status: 502, body: { error_code: 'GW_UPSTREAM_BAD_GATEWAY' } });
    expect(errorAnswer(new QBankTimeoutError(1000), id)).toMatchObject({ status: 504, body: { error_code: 'GW_UPSTREAM_TIMEOUT' } });
    expect(errorAnswer(new QBankApiError(503, 'ERR_SYS_503', 'maintenance', null, 30), id)).toMatchObject({
      status: 503,
      headers: { 'retry-after': '30' },
      body: { error_code: 'ERR_SYS_503' },
    });
    const conflict = errorAnswer(new QBankIdempotencyConflictError('9b1f6f4e-6f1c-4d8e-9a51-2f0c5d1e7a10', {}, null), id);
    expect(conflict).toMatchObject({
      status: 409,
      contentType: 'application/problem+json',
      body: { status: 409, transaction_id: '9b1f6f4e-6f1c-4d8e-9a51-2f0c5d1e7a10', request_id: id },
    });
  });
});
