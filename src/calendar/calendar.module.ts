import { Global, Module } from '@nestjs/common';
import { parseMinor } from '../common/money.js';
import { GatewayConfig } from '../config/gateway-config.js';
import { BankingCalendar } from './banking-calendar.js';
import { CalendarController } from './calendar.controller.js';

/** The banking calendar, built once from the configuration, for every piece that asks about business days and cutoffs. */
@Global()
@Module({
  controllers: [CalendarController],
  providers: [
    {
      provide: BankingCalendar,
      inject: [GatewayConfig],
      useFactory: ({ calendar }: GatewayConfig) =>
        new BankingCalendar({ ...calendar, achSameDayLimitMinor: parseMinor(calendar.achSameDayLimit) }),
    },
  ],
  exports: [BankingCalendar],
})
export class CalendarModule {}
