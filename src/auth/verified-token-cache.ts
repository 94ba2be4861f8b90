import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { Caller } from '../common/request-context.js';

const MAX_ENTRIES = 10_000;
/** A verified token is trusted from memory for at most this long, even if it lives longer. */
const MAX_AGE_MS = 5 * 60_000;

/**
 * Callers reuse one token for many calls; checking its signature every time is the most expensive
 * part of authentication. Only exact token strings that passed full verification are kept, each
 * until its own `exp` (or five minutes, whichever is sooner).
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { caller: Caller; until: number }>();

  constructor(private readonly clock: Clock) {}

  get(token: string): Caller | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.clock.now().getTime()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.caller;
  }

  /** `expiresAt`: the verified token's `exp`, in seconds. */
  set(token: string, caller: Caller, expiresAt: number): void {
    const until = Math.min(expiresAt * 1000, this.clock.now().getTime() + MAX_AGE_MS);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { caller, until });
  }
}
