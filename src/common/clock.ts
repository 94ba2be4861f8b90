import { Injectable } from '@nestjs/common';

/**
 * The one source of "now" for the money path (leases, payments, recovery): injected, so that a test or a
 * later calendar can stand it anywhere without waiting.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
