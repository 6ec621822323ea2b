import { Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AfterQueryDto } from '../http/after-query.dto';
import { ApiRead } from '../http/api-docs.decorators';
import { withEtag } from '../http/conditional';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { ListAgreementsQueryDto } from './agreement-query.dto';
import { AgreementPageDto, AgreementViewDto } from './agreement-view.dto';
import { GetAgreementQuery, ListAgreementsQuery } from './agreement.queries';

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
}
