import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsAbaRoutingNumber, IsAmount, IsId, IsNotEqualTo, IsPlainDate } from '../common/validators.js';

/** `on_cutoff`: a payment that misses its day's cutoff is scheduled for the next window, or refused. */
export const ON_CUTOFF = ['schedule', 'reject'] as const;
export type OnCutoff = (typeof ON_CUTOFF)[number];

const ACCOUNT_NUMBER = /^[0-9]{4,17}$/;
const ACCOUNT_NUMBER_MESSAGE = { message: 'must be 4 to 17 digits' };

export class CreditorDto {
  @ApiProperty({ example: 'Globex Corp' }) @IsString() @Length(1, 140) name!: string;
  @ApiProperty({ example: '021000021' }) @IsAbaRoutingNumber() routing_number!: string;
  @ApiProperty({ example: '123456789', description: '4–17 digits; stored and returned masked to its last four' })
  @Matches(ACCOUNT_NUMBER, ACCOUNT_NUMBER_MESSAGE)
  account_number!: string;
}

export class CreateWireDto {
  @ApiProperty({ format: 'uuid' }) @IsId() debtor_account_id!: string;
  @ApiProperty({ example: '1250.00', description: 'Decimal string, > 0, at most two decimals' }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'USD', enum: ['USD'] }) @IsIn(['USD']) currency!: string;
  @ApiProperty({ type: CreditorDto }) @IsObject() @ValidateNested() @Type(() => CreditorDto) creditor!: CreditorDto;
  @ApiPropertyOptional({ maxLength: 140 }) @IsOptional() @IsString() @MaxLength(140) description?: string;
  @ApiPropertyOptional({
    example: '2026-12-01',
    format: 'date',
    description:
      'The business day to send it on (YYYY-MM-DD, America/New_York; default today). Not in the past; a holiday or weekend moves to the next business day, and so does a day whose cutoff has passed',
  })
  @IsOptional()
  @IsPlainDate()
  requested_execution_date?: string;
  @ApiPropertyOptional({
    enum: ['schedule', 'reject'],
    default: 'schedule',
    description:
      "What to do when the payment cannot go out on the day asked for (that day's cutoff has passed, or it is not a business day): `schedule` it for the next window (P_SCHEDULED), or `reject` it (422 GW_AFTER_CUTOFF naming the cutoff). A payment dated in the future is scheduled either way",
  })
  @IsOptional()
  @IsIn(ON_CUTOFF)
  on_cutoff?: OnCutoff;
}

export class CreateTransferDto {
  @ApiProperty({ format: 'uuid' }) @IsId() from_account_id!: string;
  @ApiProperty({ format: 'uuid', description: 'Must differ from from_account_id' })
  @IsId()
  @IsNotEqualTo('from_account_id')
  to_account_id!: string;
  @ApiProperty({ example: '250.75', description: 'Decimal string, > 0, at most two decimals' }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'USD', enum: ['USD'] }) @IsIn(['USD']) currency!: string;
  @ApiPropertyOptional({ maxLength: 140 }) @IsOptional() @IsString() @MaxLength(140) description?: string;
  @ApiPropertyOptional({
    example: '2026-12-01',
    format: 'date',
    description:
      'The business day to send it on (YYYY-MM-DD, America/New_York; default today). Not in the past; a holiday or weekend moves to the next business day, and so does a day whose cutoff has passed',
  })
  @IsOptional()
  @IsPlainDate()
  requested_execution_date?: string;
  @ApiPropertyOptional({
    enum: ['schedule', 'reject'],
    default: 'schedule',
    description:
      "What to do when the payment cannot go out on the day asked for (that day's cutoff has passed, or it is not a business day): `schedule` it for the next window (P_SCHEDULED), or `reject` it (422 GW_AFTER_CUTOFF naming the cutoff). A payment dated in the future is scheduled either way",
  })
  @IsOptional()
  @IsIn(ON_CUTOFF)
  on_cutoff?: OnCutoff;
}

export class AchCreditorDto {
  @ApiProperty({ maxLength: 22, description: 'NACHA receiver name (22 characters)' }) @IsString() @Length(1, 22) name!: string;
  @ApiProperty({ example: '011000015' }) @IsAbaRoutingNumber() routing_number!: string;
  @ApiProperty({ example: '123456789' }) @Matches(ACCOUNT_NUMBER, ACCOUNT_NUMBER_MESSAGE) account_number!: string;
  @ApiProperty({ enum: ['CHECKING', 'SAVINGS'] }) @IsIn(['CHECKING', 'SAVINGS']) account_type!: 'CHECKING' | 'SAVINGS';
}

export class AchEntryDto {
  @ApiProperty({ example: '1500.00', description: 'Decimal string, > 0, at most two decimals' }) @IsAmount() amount!: string;
  @ApiProperty({ type: AchCreditorDto }) @IsObject() @ValidateNested() @Type(() => AchCreditorDto) creditor!: AchCreditorDto;
  @ApiPropertyOptional({ maxLength: 10, description: 'NACHA company entry description (10 characters)' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  description?: string;
}

export class CreateAchDto {
  @ApiProperty({ format: 'uuid' }) @IsId() debtor_account_id!: string;
  @ApiProperty({ enum: ['PPD', 'CCD', 'CTX', 'WEB', 'TEL'] }) @IsIn(['PPD', 'CCD', 'CTX', 'WEB', 'TEL']) sec_code!:
    'PPD' | 'CCD' | 'CTX' | 'WEB' | 'TEL';
  @ApiProperty({ type: [AchEntryDto], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => AchEntryDto)
  payments!: AchEntryDto[];
  @ApiPropertyOptional({
    example: '2026-12-01',
    format: 'date',
    description:
      'The business day to send it on (YYYY-MM-DD, America/New_York; default today). Not in the past; a holiday or weekend moves to the next business day, and so does a day whose cutoff has passed',
  })
  @IsOptional()
  @IsPlainDate()
  requested_execution_date?: string;
  @ApiPropertyOptional({
    enum: ['schedule', 'reject'],
    default: 'schedule',
    description:
      "What to do when the payment cannot go out on the day asked for (that day's cutoff has passed, or it is not a business day): `schedule` it for the next window (P_SCHEDULED), or `reject` it (422 GW_AFTER_CUTOFF naming the cutoff). A payment dated in the future is scheduled either way",
  })
  @IsOptional()
  @IsIn(ON_CUTOFF)
  on_cutoff?: OnCutoff;
  @ApiPropertyOptional({
    default: false,
    description:
      'Same-day ACH: each entry at most 1,000,000.00; settles on the execution date when a same-day window is still open when it is sent, else the next business day',
  })
  @IsOptional()
  @IsBoolean()
  same_day?: boolean;
}
