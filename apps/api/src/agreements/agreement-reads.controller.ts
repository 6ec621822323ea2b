import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AfterQueryDto } from '../http/after-query.dto';
import { ApiProblem, ApiRead } from '../http/api-docs.decorators';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { ApiReadModelUnavailable } from '../sessions/current-tables';
import { ListAgreementsQueryDto } from './agreement-query.dto';
import { AgreementPageDto, AgreementViewDto } from './agreement-view.dto';
import { GetAgreementQuery, ListAgreementsQuery } from './agreement.queries';
import { GetSessionsCalendarQuery } from './sessions-calendar';

/** Reads of agreements, from the read models; every role may read them. */
@ReadController()
export class AgreementReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('agreements')
  @ApiOperation({
    summary: 'List every agreement, a page at a time',
    description:
      'Every registered agreement, each as `GET /agreements/{id}` answers it, in id order (stable from page to ' +
      'page). Pages: `limit` (default 50) and `cursor`, the `nextCursor` of the previous page.',
  })
  @ApiRead({ type: AgreementPageDto, description: 'A page of agreements and the cursor of the next one', after: true })
  list(@Query() query: ListAgreementsQueryDto) {
    return this.queries.execute(new ListAgreementsQuery(query));
  }

  @Get('agreements/:id')
  @ApiOperation({
    summary: 'An agreement: title, signing, parties with their agencies, domains of cooperation',
    description: 'The agreement as registered and amended. ETag is its revision.',
  })
  @ApiRead({
    type: AgreementViewDto,
    description: 'The agreement; ETag is its revision',
    etag: true,
    notFound: true,
    after: true,
  })
  async agreement(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, ifNoneMatch, await this.queries.execute(new GetAgreementQuery(id, query.after)));
  }

  @Get('agreements/:id/sessions.ics')
  @ApiOperation({
    summary: "The agreement's committee sessions as an iCalendar feed (RFC 5545)",
    description:
      'One VEVENT per session of the agreement, in scheduled order: UID `<session id>@accord`, DTSTART the ' +
      'scheduled instant (a session records no end, so there is no DTEND), LOCATION the venue, SUMMARY and ' +
      'DESCRIPTION with the session status, parties and agenda, STATUS CONFIRMED (sessions are never cancelled), ' +
      'SEQUENCE the session revision, DTSTAMP and LAST-MODIFIED its last change. Like every read it needs ' +
      '`Authorization: Bearer`: a calendar client that cannot send that header cannot subscribe to it directly.',
  })
  @ApiProduces('text/calendar')
  @ApiOkResponse({
    description: 'The feed, text/calendar; charset=utf-8',
    content: { 'text/calendar': { schema: { type: 'string', example: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…' } } },
  })
  @ApiProblem(404, 'NOT_FOUND: no such agreement')
  @ApiReadModelUnavailable()
  async calendar(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const feed = await this.queries.execute(new GetSessionsCalendarQuery(id, query.after));
    void reply.type('text/calendar; charset=utf-8');
    return feed;
  }
}
