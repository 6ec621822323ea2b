import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AfterQueryDto } from '../http/after-query.dto';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { ListCommitmentsQueryDto } from './commitment-query.dto';
import { GetCommitmentHistoryQuery, GetCommitmentQuery, ListCommitmentsQuery } from './commitment.queries';

/**
 * Reads of commitments, from read models only. Every role may read every agreement it can see
 * a key for: the parties of an agreement share its records (README, "Who may read what").
 */
@ReadController()
export class CommitmentReadsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('commitments')
  @ApiOperation({ summary: 'List commitments: filters, sort, cursor pagination ({items, nextCursor})' })
  list(@Query() query: ListCommitmentsQueryDto) {
    return this.queries.execute(new ListCommitmentsQuery(query));
  }

  @Get('commitments/:id')
  @ApiOperation({ summary: 'A commitment as it stands; ETag is its revision' })
  @ApiOkResponse({
    description: 'The commitment; 304 when If-None-Match names its current revision (weak comparison, a list or *)',
  })
  async get(
    @Param('id', uuid) id: string,
    @Query() query: AfterQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, ifNoneMatch, await this.queries.execute(new GetCommitmentQuery(id, query.after)));
  }

  @Get('commitments/:id/history')
  @ApiOperation({ summary: "A commitment's audit timeline: one entry per event, with actor, summary and changes" })
  history(@Param('id', uuid) id: string, @Query() query: AfterQueryDto) {
    return this.queries.execute(new GetCommitmentHistoryQuery(id, query.after));
  }
}
