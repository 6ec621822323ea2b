import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiRead } from '../http/api-docs.decorators';
import { AfterQueryDto } from '../http/after-query.dto';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { CommitmentHistoryPageDto } from './commitment-history.dto';
import { CommitmentHistoryQueryDto, ListCommitmentsQueryDto } from './commitment-query.dto';
import { CommitmentPageDto, CommitmentViewDto } from './commitment-view.dto';
import { GetCommitmentHistoryQuery, GetCommitmentQuery, ListCommitmentsQuery } from './commitment.queries';

const AFTER =
  'With `?after=<position>` (the `position` a command answered), it first waits for the read model to pass it.';

/**
 * Reads of commitments, from read models only. Every role may read every agreement it can see
 * a key for: the parties of an agreement share its records (README, "Who may read what").
 */
@ReadController()
export class CommitmentReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('commitments')
  @ApiOperation({
    summary: 'List commitments: filters, sort, cursor pagination',
    description:
      'Commitments matching every filter given, in `sort` order (ties by id), `limit` a page. ' +
      'A page that is not the last has a `nextCursor`: send it as `cursor` with the same filters and sort ' +
      '(`limit` and `after` may change) for the next page. A cursor sent with other filters or another sort ' +
      'than those it was issued for, or one this API did not issue, is 400 VALIDATION_FAILED naming `cursor`. ' +
      `Dates must exist (2027-02-30 is 400). ${AFTER}`,
  })
  @ApiRead({ type: CommitmentPageDto, description: 'A page of commitments', after: true })
  list(@Query() query: ListCommitmentsQueryDto) {
    return this.queries.execute(new ListCommitmentsQuery(query));
  }

  @Get('commitments/:id')
  @ApiOperation({
    summary: 'A commitment as it stands; ETag is its revision',
    description:
      'The commitment with what its events recorded beside its state: the evidence reported with progress ' +
      "reports and the completion, the latest progress report, the completion, the committee's evaluation " +
      'and its latest review decision. `ETag` is its revision; `If-None-Match` naming it answers 304. ' +
      AFTER,
  })
  @ApiRead({ type: CommitmentViewDto, description: 'The commitment', etag: true, notFound: true, after: true })
  async get(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, ifNoneMatch, await this.queries.execute(new GetCommitmentQuery(id, query.after)));
  }

  @Get('commitments/:id/history')
  @ApiOperation({
    summary: "A commitment's audit timeline, paged: one entry per event, with actor, summary and changes",
    description:
      'Entries in revision order, `limit` a page; a page that is not the last has a `nextCursor` to send as ' +
      '`cursor` for the next. A cursor of another commitment or another list is 400 VALIDATION_FAILED. ' +
      AFTER,
  })
  @ApiRead({ type: CommitmentHistoryPageDto, description: 'A page of the timeline', notFound: true, after: true })
  history(@Param('id', uuid) id: string, @Query() query: CommitmentHistoryQueryDto) {
    return this.queries.execute(new GetCommitmentHistoryQuery(id, query));
  }
}
