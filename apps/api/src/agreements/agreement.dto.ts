import { IsIsoDate } from '../http/dates';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsNormalizedUuid } from '../http/uuid';

export class PartyDto {
  @ApiProperty({ example: 'MA', description: '2 to 10 upper-case letters' })
  @Matches(/^[A-Z]{2,10}$/, { message: 'code must be 2 to 10 upper-case letters' })
  code!: string;

  @ApiProperty({ example: 'Kingdom of Morocco' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: ['DGSN', 'DGST'] })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  agencies!: string[];
}

export class RegisterAgreementDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Chosen by the client so that creation is idempotent' })
  @IsOptional()
  @IsNormalizedUuid()
  id?: string;

  @ApiProperty({ example: 'Security cooperation agreement between Morocco and Qatar' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiProperty({ example: '2014-03-12', description: 'ISO date' })
  @IsIsoDate()
  signedAt!: string;

  @ApiProperty({ example: 'Rabat' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  signedIn!: string;

  @ApiProperty({ type: [PartyDto] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PartyDto)
  parties!: PartyDto[];

  @ApiProperty({ example: ['counter-terrorism', 'cybercrime'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  domains!: string[];
}

export class AmendDomainsDto {
  @ApiProperty({ example: ['counter-terrorism', 'cybercrime', 'stadium security'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  domains!: string[];
}
