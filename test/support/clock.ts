import { Clock } from '../../src/common/clock.js';
import type { TestGateway } from './gateway.js';

/**
 * Stands the gateway's clock at `iso` (it keeps running from there, so leases and timeouts still pass);
 * answers a function that puts it back. Tokens for that time come from `tokenAt`.
 */
export function standAt(gw: TestGateway, iso: string): () => void {
  const clock = gw.app.get(Clock);
  const real = Object.getOwnPropertyDescriptor(clock, 'now');
  const offset = Date.parse(iso) - Date.now();
  clock.now = () => new Date(Date.now() + offset);
  return () => {
    if (real) Object.defineProperty(clock, 'now', real);
    else delete (clock as Partial<Clock>).now;
  };
}

/** A dev token issued at the gateway's current "now" (valid ten minutes of it). */
export function tokenAt(gw: TestGateway, sub: string, roles: string[]): string {
  const iat = Math.floor(gw.app.get(Clock).now().getTime() / 1000);
  return gw.sign({ sub, roles, iat, exp: iat + 600 }, { noTimestamp: true });
}
