import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AfterQueryDto } from '../http/after-query.dto';
import { ApiRead } from '../http/api-docs.decorators';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { ApiReadModelUnavailable } from './current-tables';
import { ListSessionsQueryDto } from './session-query.dto';
import { GetSessionQuery, ListSessionsQuery } from './session.queries';
import { SessionPageDto, SessionViewDto } from './session-view.dto';

/** Reads of sessions, from the sessions read model; every role may read them. */
@ReadController()
export class SessionReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions')
  @ApiOperation({
    summary: 'List committee sessions: by agreement, status and scheduled time, a page at a time',
    description:
      'Sessions in the order they are scheduled (then by id), each as `GET /sessions/{id}` answers it. ' +
      '`from` (inclusive) and `to` (exclusive) compare instants, whatever their offset. Pages: `limit` ' +
      '(default 50) and `cursor`, the `nextCursor` of the previous page, which only pages the same filters: ' +
      'with other filters it is 400 VALIDATION_FAILED naming `cursor`.',
  })
  @ApiRead({ type: SessionPageDto, description: 'A page of sessions and the cursor of the next one' })
  @ApiReadModelUnavailable()
  list(@Query() query: ListSessionsQueryDto) {
    return this.queries.execute(new ListSessionsQuery(query));
  }

  @Get('sessions/:id')
  @ApiOperation({
    summary: 'A committee session: agenda, attendance, every position taken, decisions, deferrals',
    description:
      "Each agenda item carries its commitment's title (as it was when the item was put on the agenda), each " +
      "party's current position (`positions`) and every position taken, changes included, in order, with who " +
      'recorded it and when (`positionHistory`, `current` marking the one that counts). ETag is the revision.',
  })
  @ApiRead({
    type: SessionViewDto,
    description: 'The session; ETag is its revision',
    etag: true,
    notFound: true,
  })
  @ApiReadModelUnavailable()
  async session(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, ifNoneMatch, await this.queries.execute(new GetSessionQuery(id, query.after)));
  }
}
