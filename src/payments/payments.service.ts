import { Injectable } from '@nestjs/common';
import { QBankClient } from '#qbank/client';
import type { AchBatch, Payment } from '#qbank/contract';
import { UpstreamCall } from '../common/upstream-call.js';

/** Payment status, from QBank in real time. */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly qbank: QBankClient,
    private readonly upstream: UpstreamCall,
  ) {}

  async status(paymentId: string): Promise<Payment | AchBatch> {
    return (await this.upstream.run((ctx) => this.qbank.getPayment(paymentId, ctx))).data;
  }
}
