import type { GatewayConfig } from '../config/gateway-config.js';
import { sqliteDatabase } from '../../test/support/sqlite-database.js';
import { DailyTotalsRepository } from './daily-totals.repository.js';
import { PaymentDailyTotal } from './payment-daily-total.entity.js';
import { PaymentLimits } from './payment-limits.js';

const config = {
  limits: {
    payments: {
      roles: {
        'treasury-operator': { WIRE: { perPayment: '1000.00', perDay: '1500.00' } },
        'big-spender': { WIRE: { perPayment: '5000.00' } },
      },
      callers: { 'payroll-service': { ACH: { perDay: '200.00' } } },
    },
  },
} as unknown as GatewayConfig;
const caller = (sub: string, roles: string[]) => ({ sub, roles, scopes: new Set<string>() });
const DAY = '2026-11-24';

describe('PaymentLimits (a real SQLite database)', () => {
  let database: Awaited<ReturnType<typeof sqliteDatabase>>;
  let limits: PaymentLimits;
  const reserve = (who: ReturnType<typeof caller>, type: 'WIRE' | 'ACH' | 'TRANSFER', amounts: bigint[]) =>
    database.db.transaction((manager) => limits.reserve(manager, who, type, amounts, DAY));
  const total = async (actor: string, type: string) =>
    (await database.db.reader.findOneBy(PaymentDailyTotal, { actor, type, day: DAY }))?.totalMinor;

  beforeEach(async () => {
    database = await sqliteDatabase();
    limits = new PaymentLimits(config, new DailyTotalsRepository());
  });
  afterEach(() => database.close());

  it('refuses a payment over the per-payment limit, naming it, and reserves nothing', async () => {
    await expect(reserve(caller('ops', ['treasury-operator']), 'WIRE', [100001n])).rejects.toMatchObject({
      status: 422,
      errorCode: 'GW_LIMIT_EXCEEDED',
      message: 'amount 1000.01 exceeds the per-payment wire limit of 1000.00 (role treasury-operator)',
    });
    expect(await total('ops', 'WIRE')).toBeUndefined();
  });

  it("reserves each payment in the caller's total of the day; the one that would pass the daily limit is refused and rolled back", async () => {
    const ops = caller('ops', ['treasury-operator']);
    await reserve(ops, 'WIRE', [90000n]);
    await reserve(ops, 'WIRE', [50000n]);
    expect(await total('ops', 'WIRE')).toBe(140000n);
    await expect(reserve(ops, 'WIRE', [20000n])).rejects.toMatchObject({
      message: "today's wire payments would reach 1600.00, over the daily wire limit of 1500.00 (role treasury-operator)",
    });
    expect(await total('ops', 'WIRE')).toBe(140000n);
    await database.db.transaction((manager) =>
      limits.release(manager, { actor: 'ops', type: 'WIRE', createdAt: new Date(`${DAY}T12:00:00Z`), amountMinor: 50000n }),
    );
    expect(await total('ops', 'WIRE')).toBe(90000n);
  });

  it('the highest limit of any role wins, a role without a bound lifts it, a caller entry replaces its roles', async () => {
    await reserve(caller('both', ['treasury-operator', 'big-spender']), 'WIRE', [400000n, 400000n]); // per payment 5,000.00, no daily limit
    expect(await total('both', 'WIRE')).toBeUndefined();
    await expect(reserve(caller('payroll-service', ['treasury-operator']), 'ACH', [10000n, 10001n])).rejects.toMatchObject({
      message: expect.stringContaining('over the daily ach limit of 200.00 (caller payroll-service)'),
    });
    await reserve(caller('unlimited', ['auditor']), 'TRANSFER', [10n ** 13n]);
  });
});
