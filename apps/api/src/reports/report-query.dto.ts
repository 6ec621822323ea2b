import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const REPORT_FORMATS = ['json', 'csv', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const REPORT_LANGS = ['fr', 'en', 'ar'] as const;

const BOUND =
  'An ISO date (YYYY-MM-DD: from its start, to its end, UTC) or an instant with its offset. A bound that is ' +
  'neither, or from after to, is 400 VALIDATION_FAILED naming the field.';

export class ReportQueryDto {
  @ApiPropertyOptional({
    example: '2027-01-01',
    description: `Start of the period; the agreement's signing date by default. ${BOUND}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({
    example: '2027-12-31',
    description: `End of the period, and the instant the states are as of; now by default. ${BOUND}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({
    enum: REPORT_FORMATS,
    default: 'json',
    description: 'json, csv (open data, one row a commitment), html or pdf',
  })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;

  @ApiPropertyOptional({ enum: REPORT_LANGS, default: 'fr', description: 'The language of the html and pdf documents' })
  @IsOptional()
  @IsIn(REPORT_LANGS)
  lang?: (typeof REPORT_LANGS)[number];
}
