import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiKeyError, ApiKeys } from '../auth/api-keys.service';
import { Roles } from '../auth/auth.decorators';
import { ROLES, type Role } from '../auth/principal';
import { ApiCommonErrors } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';

export class CreateKeyDto {
  @ApiProperty({ example: 'MA ministry integration' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ example: 'MA', description: 'Required for integration and delegate keys; refused for others' })
  @IsOptional()
  @Matches(/^[A-Z]{2,10}$/, { message: 'party must be 2 to 10 upper-case letters' })
  party?: string;
}

export class CreatedKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Shown once; only its hash is kept' }) key!: string;
}

@ApiTags('admin')
@Controller('admin/keys')
@Roles('admin')
export class AdminKeysController {
  constructor(@Inject(ApiKeys) private readonly keys: ApiKeys) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue an API key for a principal (admin only)' })
  @ApiCommonErrors()
  @ApiCreatedResponse({ type: CreatedKeyDto })
  async create(@Body() body: CreateKeyDto): Promise<CreatedKeyDto> {
    try {
      const { id, key } = await this.keys.create({ name: body.name, role: body.role, party: body.party });
      return { id, key };
    } catch (error) {
      if (error instanceof ApiKeyError) {
        throw new ProblemException(400, 'VALIDATION_FAILED', error.message, {
          errors: [{ field: 'party', messages: [error.message] }],
        });
      }
      throw error;
    }
  }
}
