import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { AfterQueryDto } from '../http/after-query.dto';
import { ApiCommonErrors } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import { GetSessionQuery } from './session.queries';

/** Reads of sessions, from the sessions read model; every role may read them. */
@ApiTags('queries')
@Controller()
@Roles('integration', 'delegate', 'secretariat', 'auditor')
@ApiCommonErrors()
export class SessionReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions/:id')
  @ApiOperation({ summary: 'A committee session: agenda, attendance, positions, decisions, deferrals' })
  session(@Param('id', uuid) id: string, @Query() query: AfterQueryDto) {
    return this.queries.execute(new GetSessionQuery(id, query.after));
  }
}
