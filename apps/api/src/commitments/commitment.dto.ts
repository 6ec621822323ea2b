import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsIsoDate } from '../http/dates';
import { IsNormalizedUuid } from '../http/uuid';

const PRIORITIES = ['low', 'normal', 'high'] as const;

export class EvidenceDto {
  @ApiProperty({ example: 'Joint exercise report' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiPropertyOptional({
    example: 'https://docs.example.org/reports/2026-07.pdf',
    description: 'Where the document is; may be left out with `sha256` (it is then `/evidence/<sha256>`)',
  })
  // Needed without sha256; with it, optional, and it may be the path the API serves the file at.
  @ValidateIf(({ sha256, uri }: EvidenceDto) =>
    sha256 === undefined ? true : uri !== undefined && uri !== `/evidence/${sha256}`,
  )
  @IsUrl({ require_protocol: true, require_tld: false })
  @MaxLength(2000)
  uri?: string;

  @ApiPropertyOptional({
    pattern: '^[0-9a-f]{64}$',
    description:
      'The SHA-256 of a file uploaded with POST /evidence (lower-case hex): it must be stored (else 422 EVIDENCE_NOT_FOUND), ' +
      'and the event records it with its size, so that the hash chain covers the document itself',
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256?: string;
}

export class ProposeCommitmentDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Chosen by the client so that creation is idempotent' })
  @IsOptional()
  @IsNormalizedUuid()
  id?: string;

  @ApiProperty({ format: 'uuid' })
  @IsNormalizedUuid()
  agreementId!: string;

  @ApiProperty({ example: 'Joint cybercrime investigation unit' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiProperty({ example: 'Set up a joint unit and a 24/7 contact point for cybercrime cases.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  description!: string;

  @ApiProperty({ example: 'cybercrime', description: "One of the agreement's domains" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  domain!: string;

  @ApiProperty({ example: ['DGSN'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  leadAgencies!: string[];

  @ApiPropertyOptional({ example: '2027-06-30', description: 'ISO date' })
  @IsOptional()
  @IsIsoDate()
  dueDate?: string;

  @ApiPropertyOptional({ enum: PRIORITIES, default: 'normal' })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: (typeof PRIORITIES)[number];
}

export class ReviseCommitmentDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  domain?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  leadAgencies?: string[];

  @ApiPropertyOptional({ nullable: true, description: 'ISO date; null removes the due date' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsIsoDate({ message: 'dueDate must be a date YYYY-MM-DD that exists, or null' })
  dueDate?: string | null;

  @ApiPropertyOptional({ enum: PRIORITIES })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: (typeof PRIORITIES)[number];
}

export class WithdrawCommitmentDto {
  @ApiProperty({ example: 'Superseded by a broader commitment' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class EmptyDto {}

export class ReportProgressDto {
  @ApiProperty({ minimum: 0, maximum: 100, example: 40 })
  @IsInt()
  @Min(0)
  @Max(100)
  percent!: number;

  @ApiProperty({ example: 'Contact points named on both sides; first joint case opened.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  narrative!: string;

  @ApiPropertyOptional({ type: [EvidenceDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];
}

export class CompleteCommitmentDto {
  @ApiProperty({ example: 'The joint unit is operational.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  summary!: string;

  @ApiPropertyOptional({ type: [EvidenceDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];
}

export class CloseCommitmentDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}
