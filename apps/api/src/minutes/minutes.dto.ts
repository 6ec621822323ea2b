import { documentLangs, type DocumentLang } from '@accord/documents';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const MINUTES_FORMATS = ['json', 'html', 'pdf'] as const;
export type MinutesFormat = (typeof MINUTES_FORMATS)[number];

export class MinutesQueryDto {
  @ApiPropertyOptional({ enum: documentLangs, default: 'fr', description: 'The language of the HTML and PDF' })
  @IsOptional()
  @IsIn(documentLangs)
  lang?: DocumentLang;

  @ApiPropertyOptional({
    enum: MINUTES_FORMATS,
    default: 'json',
    description: 'json: the content, its hash and where its adoption stands; html and pdf: the document',
  })
  @IsOptional()
  @IsIn(MINUTES_FORMATS)
  format?: MinutesFormat;
}

export class ApproveMinutesDto {
  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description:
      'The `contentHash` of the minutes (or of an addendum) as GET …/minutes gives it: the delegation approves exactly ' +
      'the content with this hash. Any other hash is 422 RULE_VIOLATED `content-hash-current`.',
  })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'contentHash must be 64 lower-case hexadecimal digits' })
  contentHash!: string;
}

export class RecordAddendumDto {
  @ApiProperty({ maxLength: 20000, example: 'Item 2: the note of QA reads "two years", not "three".' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  text!: string;
}

export class AttachDocumentDto {
  @ApiProperty({ maxLength: 300, example: 'Signed attendance roll' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  title!: string;

  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description: 'The SHA-256 POST /evidence answered: the file must be stored first (else 422 EVIDENCE_NOT_FOUND)',
  })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hexadecimal digits' })
  sha256!: string;
}

export class DocumentApprovalDto {
  @ApiProperty({ example: 'MA' }) party!: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) contentHash!: string;
  @ApiProperty({ format: 'date-time', description: 'When the store recorded the approval' }) at!: string;
}

class DocumentStandingDto {
  @ApiProperty({ enum: ['draft', 'awaiting-approval', 'adopted'], description: 'draft: the session is not closed' })
  status!: 'draft' | 'awaiting-approval' | 'adopted';
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the canonical JSON (RFC 8785) of `content`' })
  contentHash!: string;
  @ApiProperty({ type: [DocumentApprovalDto] }) approvals!: DocumentApprovalDto[];
  @ApiProperty({ type: [String], description: 'Parties whose approval is awaited' }) awaiting!: string[];
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) adoptedAt!: string | null;
}

export class AddendumViewDto extends DocumentStandingDto {
  @ApiProperty({ type: 'integer', minimum: 1 }) document!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What the addendum states (kind accord-minutes-addendum): its text and the adopted minutes it corrects',
  })
  content!: Record<string, unknown>;
}

export class MinutesViewDto extends DocumentStandingDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What the minutes state (kind accord-minutes, version 1), drawn from the events alone: agreement and parties, ' +
      'date, venue, attendance, the agenda with each commitment as it stood at the session, every position in order ' +
      '(changes included), each decision with its notes, each deferral, opening and closing times. Its canonical ' +
      'JSON hashes to `contentHash`.',
  })
  content!: Record<string, unknown>;
  @ApiProperty({ type: [AddendumViewDto], description: 'Corrections of the adopted minutes, each adopted on its own' })
  addenda!: AddendumViewDto[];
}
