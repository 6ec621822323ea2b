import { ApiProperty } from '@nestjs/swagger';

export class EvidenceStoredDto {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes, lower-case hex: the name of the file' })
  sha256!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 48213, description: 'Bytes' })
  size!: number;

  @ApiProperty({ example: 'application/pdf', description: 'The Content-Type it was first uploaded with' })
  mediaType!: string;

  @ApiProperty({
    example: '/evidence/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'Where to download it; name the hash as `sha256` in the evidence of a progress report or completion',
  })
  uri!: string;
}
