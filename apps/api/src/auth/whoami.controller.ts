import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiCommonErrors, ApiRead } from '../http/api-docs.decorators';
import { CurrentPrincipal } from './auth.decorators';
import { ROLES, type Principal, type Role } from './principal';

export class PrincipalDto implements Principal {
  @ApiProperty({ description: 'The key id (a UUID; "admin" for the admin key of a database from before key rotation)' })
  id!: string;
  @ApiProperty({ example: 'MA delegation' }) name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'MA',
    description: 'The party a delegate or integration key acts for',
  })
  party!: string | null;
}

/** Who the key is: the console signs in with it and offers what the role and party may do. */
@ApiTags('auth')
@Controller()
@ApiCommonErrors()
export class WhoAmIController {
  @Get('me')
  @ApiOperation({
    summary: 'The key this request was made with: its name, role and party',
    description: 'Any valid key may ask. The console signs in with it; nothing else is revealed (not the key itself).',
  })
  @ApiRead({ type: PrincipalDto, description: 'The principal the key stands for' })
  me(@CurrentPrincipal() principal: Principal): PrincipalDto {
    return { id: principal.id, name: principal.name, role: principal.role, party: principal.party };
  }
}
