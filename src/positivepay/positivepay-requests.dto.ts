import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { IsAmount, IsId, IsPlainDate } from '../common/validators.js';

export class CheckIssueDto {
  @ApiProperty({ example: '10001' }) @Matches(/^[0-9]{1,15}$/, { message: 'must be 1 to 15 digits' }) check_number!: string;
  @ApiProperty({ example: '120.00', description: 'Decimal string, > 0, at most two decimals' }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'Acme Supplies' }) @IsString() @Length(1, 80) payee_name!: string;
  @ApiProperty({ example: '2026-11-24', format: 'date' }) @IsPlainDate() issue_date!: string;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() void?: boolean;
}

export class CreatePositivePayIssueDto {
  @ApiProperty({ format: 'uuid' }) @IsId() account_id!: string;
  @ApiProperty({ type: [CheckIssueDto], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => CheckIssueDto)
  checks!: CheckIssueDto[];
}
