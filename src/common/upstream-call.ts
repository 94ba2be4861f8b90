import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { QBankError, type CallContext, type QBankResult } from '#qbank/client';
import { fromUpstream } from './errors/upstream-errors.js';
import { CONTEXT_KEY, type RequestContext } from './request-context.js';

/**
 * Runs a QBank call on behalf of the current request: propagates its `X-Request-ID`, records QBank's
 * request id for the audit event, and turns QBank's errors into the gateway's.
 */
@Injectable()
export class UpstreamCall {
  constructor(private readonly cls: ClsService) {}

  async run<T>(call: (context: CallContext) => Promise<QBankResult<T>>): Promise<QBankResult<T>> {
    const ctx = this.cls.isActive() ? this.cls.get<RequestContext | undefined>(CONTEXT_KEY) : undefined;
    try {
      const result = await call(ctx ? { requestId: ctx.requestId } : {});
      if (ctx && result.requestId) ctx.upstreamRequestId = result.requestId;
      return result;
    } catch (error) {
      if (ctx && error instanceof QBankError && error.upstreamRequestId) ctx.upstreamRequestId = error.upstreamRequestId;
      throw error instanceof QBankError ? fromUpstream(error) : error;
    }
  }
}
