import { createHmac, hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway-config.js';
import { parseSealingKeys } from '../idempotency/request-sealer.js';

/**
 * Who a payment pays, without storing the account number: HMAC-SHA256 of routing and account number
 * under a key derived from each `REQUEST_ENCRYPTION_KEYS` key (an unkeyed hash of a short account number
 * could be reversed by trying them all). Payments are stamped with the first key's fingerprint; a creditor
 * is looked up under every key, so rotating keys does not make known creditors new.
 */
@Injectable()
export class BeneficiaryFingerprints {
  private readonly keys: Buffer[];

  constructor(config: GatewayConfig) {
    this.keys = parseSealingKeys(config.idempotency.requestKeys).map(({ key }) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'qbank-gateway beneficiary fingerprint', 32)),
    );
  }

  /** The fingerprint a payment is stamped with. */
  of(routingNumber: string, accountNumber: string): string {
    return fingerprint(this.keys[0]!, routingNumber, accountNumber);
  }

  /** The creditor's fingerprint under every key (the first is `of`'s). */
  all(routingNumber: string, accountNumber: string): string[] {
    return this.keys.map((key) => fingerprint(key, routingNumber, accountNumber));
  }
}

const fingerprint = (key: Buffer, routingNumber: string, accountNumber: string): string =>
  createHmac('sha256', key).update(`${routingNumber}:${accountNumber}`).digest('hex');
