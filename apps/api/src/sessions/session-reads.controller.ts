import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AfterQueryDto } from '../http/after-query.dto';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { GetSessionQuery } from './session.queries';

/** Reads of sessions, from the sessions read model; every role may read them. */
@ReadController()
export class SessionReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions/:id')
  @ApiOperation({ summary: 'A committee session: agenda, attendance, positions, decisions, deferrals' })
  @ApiOkResponse({
    description: 'The session; ETag is its revision, 304 when If-None-Match names it (weak comparison, a list or *)',
  })
  async session(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, ifNoneMatch, await this.queries.execute(new GetSessionQuery(id, query.after)));
  }
}
