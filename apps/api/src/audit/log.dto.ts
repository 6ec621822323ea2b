import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, IsOptional } from 'class-validator';
import { IsNormalizedUuid } from '../http/uuid';

const BASE64_HASH = '^[A-Za-z0-9+/]{43}=$';
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

export class LogKeyDto {
  @ApiProperty({
    description: "The checkpoints' origin line, and the operator key's name",
    example: 'accord.dev/log/0b6c2f4e-3c1a-4f7e-9d2b-5a8e1c7f3d90',
  })
  origin!: string;
  @ApiProperty({ format: 'uuid', description: 'The log id, drawn once at first start' })
  logId!: string;
  @ApiProperty({
    description:
      'The key that signs checkpoints now, as a C2SP verifier key `<name>+<hex key ID>+<base64(0x01 ‖ Ed25519 key)>`',
  })
  verifierKey!: string;
  @ApiProperty({ type: [String], description: 'Every key this log has signed checkpoints with, oldest first' })
  verifierKeys!: string[];
}

export class CosignatureInfoDto {
  @ApiProperty({ description: "The witness key's name" })
  witness!: string;
  @ApiProperty({ description: 'The party the witness key is registered for', example: 'MA' })
  party!: string;
  @ApiProperty({ pattern: '^[0-9a-f]{8}$', description: 'The key ID, hex' })
  keyId!: string;
  @ApiProperty({ type: 'integer', description: 'When the witness cosigned, POSIX seconds (its own clock)' })
  timestamp!: number;
  @ApiProperty({ format: 'date-time', description: 'When the API received the cosignature' })
  receivedAt!: string;
}

export class AgreementCosignedDto {
  @ApiProperty({ format: 'uuid' })
  agreementId!: string;
  @ApiProperty()
  title!: string;
  @ApiProperty({ type: [String], description: "The agreement's parties" })
  parties!: string[];
  @ApiProperty({ type: [String], description: 'The parties whose witnesses cosigned this checkpoint' })
  cosignedBy!: string[];
  @ApiProperty({ description: 'Every party of the agreement cosigned this checkpoint' })
  cosignedByAll!: boolean;
}

export class CheckpointDto {
  @ApiProperty({ type: 'integer', description: 'Leaves in the tree: the first treeSize events of the log' })
  treeSize!: number;
  @ApiProperty({ pattern: BASE64_HASH, description: 'The RFC 9162 root of the tree, base64' })
  rootHash!: string;
  @ApiProperty({ type: 'integer', description: 'Log position of the last event covered (0 for the empty tree)' })
  position!: number;
  @ApiProperty({ format: 'date-time', description: 'When the operator signed it' })
  createdAt!: string;
  @ApiProperty({
    description:
      "The C2SP signed note: the tlog-checkpoint (origin, size, base64 root), a blank line, the operator's " +
      "signature line, then each witness's cosignature/v1 line",
  })
  note!: string;
  @ApiProperty({ type: [CosignatureInfoDto] })
  cosignatures!: CosignatureInfoDto[];
  @ApiProperty({ type: [AgreementCosignedDto], description: 'For each agreement: which of its parties cosigned' })
  agreements!: AgreementCosignedDto[];
}

export class CheckpointPageDto {
  @ApiProperty({ type: [CheckpointDto], description: 'Newest first' })
  items!: CheckpointDto[];
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Send as `before` for the next (older) page; null on the last page',
  })
  nextBefore!: number | null;
}

export class CheckpointsQueryDto {
  @ApiPropertyOptional({ description: 'Checkpoints of tree sizes below this (the next page)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  before?: number;

  @ApiPropertyOptional({ default: 50, description: 'Checkpoints a page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class CosignatureDto {
  @ApiProperty({
    description:
      'One C2SP cosignature/v1 line over the checkpoint of that size: `— <witness name> <base64(key ID ‖ timestamp ‖ signature)>`',
    example: '— ma.witness.example 2a3b4c5dAAAAAGdVd0Bkb3Mgc2lnbmF0dXJl…\n',
  })
  @IsString()
  @MaxLength(1000)
  cosignature!: string;
}

export class RegisterWitnessDto {
  @ApiProperty({ description: 'The party the witness speaks for', example: 'MA' })
  @IsString()
  @Matches(/^[A-Z]{2,10}$/, { message: 'party must be 2 to 10 capital letters' })
  party!: string;

  @ApiProperty({
    description:
      'The witness key, a C2SP verifier key of type 0x04 (cosignature/v1): `accord witness keygen` prints it',
  })
  @IsString()
  @MaxLength(500)
  verifierKey!: string;
}

export class WitnessDto {
  @ApiProperty({ example: 'MA' })
  party!: string;
  @ApiProperty({ description: "The key's name" })
  name!: string;
  @ApiProperty({ pattern: '^[0-9a-f]{8}$' })
  keyId!: string;
  @ApiProperty()
  verifierKey!: string;
  @ApiProperty({ format: 'date-time' })
  registeredAt!: string;
  @ApiProperty({ type: 'integer', description: 'Log position of the registration event' })
  position!: number;
}

export class InclusionQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The event' })
  @IsNormalizedUuid()
  eventId!: string;

  @ApiPropertyOptional({ description: "The tree size to prove inclusion in; the latest checkpoint's by default" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  treeSize?: number;
}

export class InclusionProofDto {
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty()
  streamId!: string;
  @ApiProperty({ type: 'integer' })
  revision!: number;
  @ApiProperty({ type: 'integer' })
  position!: number;
  @ApiProperty({ type: 'integer', description: "The event's leaf: its place in the log, from 0" })
  leafIndex!: number;
  @ApiProperty({ type: 'integer' })
  treeSize!: number;
  @ApiProperty({ pattern: BASE64_HASH, description: 'SHA-256(0x00 ‖ the canonical event), base64' })
  leafHash!: string;
  @ApiProperty({ pattern: BASE64_HASH, description: 'The root of the tree of treeSize leaves, base64' })
  rootHash!: string;
  @ApiProperty({ type: [String], description: 'RFC 9162 PATH(leafIndex, D[treeSize]), lowest sibling first, base64' })
  proof!: string[];
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The signed checkpoint of that size with its cosignatures, when one was made; null otherwise',
  })
  checkpoint!: string | null;
}

export class ConsistencyQueryDto {
  @ApiProperty({ description: 'The smaller tree size (at least 1)' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  from!: number;

  @ApiProperty({ description: 'The larger tree size' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_SIZE)
  to!: number;
}

export class ConsistencyProofDto {
  @ApiProperty({ type: 'integer' })
  from!: number;
  @ApiProperty({ type: 'integer' })
  to!: number;
  @ApiProperty({ pattern: BASE64_HASH })
  fromRoot!: string;
  @ApiProperty({ pattern: BASE64_HASH })
  toRoot!: string;
  @ApiProperty({ type: [String], description: 'RFC 9162 PROOF(from, D[to]), base64' })
  proof!: string[];
}
