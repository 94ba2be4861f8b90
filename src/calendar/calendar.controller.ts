import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { AnyCaller } from '../auth/require-scope.decorator.js';
import { Clock } from '../common/clock.js';
import { ValidationFailedError } from '../common/errors/gateway-errors.js';
import { IsPlainDate } from '../common/validators.js';
import { ErrorAnswer, InvalidQueryAnswer } from '../docs/error-answers.js';
import { BankingCalendar } from './banking-calendar.js';
import { calendarDays, type CalendarDayView } from './calendar.view.js';
import { addDays, daysBetween } from './plain-date.js';

/** The most days one request may ask for. */
export const MAX_CALENDAR_DAYS = 366;
/** Without `to`: this many days from `from`. */
const DEFAULT_DAYS = 31;

export class CalendarQuery {
  @ApiPropertyOptional({ example: '2026-11-23', format: 'date', description: 'First day (default: today in America/New_York)' })
  @IsOptional()
  @IsPlainDate()
  from?: string;
  @ApiPropertyOptional({
    example: '2026-11-30',
    format: 'date',
    description: `Last day, included (default: ${DEFAULT_DAYS} days from \`from\`)`,
  })
  @IsOptional()
  @IsPlainDate()
  to?: string;
}

@ApiTags('Calendar')
@Controller('v1/calendar')
export class CalendarController {
  constructor(
    private readonly calendar: BankingCalendar,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Business days and cutoff windows' })
  @AnyCaller()
  @InvalidQueryAnswer()
  @ApiOkResponse({
    description:
      "`{ data: [ { date, business_day, holiday, opens_at, windows: { WIRE, ACH, TRANSFER } } ] }`: one entry per day; each window has QBank's deadline and the gateway's cutoff (deadline less the margin), America/New_York",
  })
  @ErrorAnswer(400, `\`to\` before \`from\`, or more than ${MAX_CALENDAR_DAYS} days (\`GW_VALIDATION\`)`)
  days(@Query() query: CalendarQuery): { data: CalendarDayView[] } {
    const from = query.from ?? this.calendar.today(this.clock.now());
    const to = query.to ?? addDays(from, DEFAULT_DAYS - 1);
    const span = daysBetween(from, to) + 1;
    if (span < 1) throw new ValidationFailedError('to: must not be before from');
    if (span > MAX_CALENDAR_DAYS) throw new ValidationFailedError(`to: at most ${MAX_CALENDAR_DAYS} days from from (asked for ${span})`);
    return { data: calendarDays(this.calendar, from, to) };
  }
}
