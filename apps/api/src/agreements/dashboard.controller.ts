import { parseInstant } from '@accord/audit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardQueryDto } from '../audit/audit.dto';
import { GetDashboardAsOfQuery } from '../audit/dashboard-as-of';
import { Roles } from '../auth/auth.decorators';
import { ApiCommonErrors } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import { GetDashboardQuery } from './dashboard.queries';

/** An agreement's dashboard, from the read models (or replayed, with ?asOf); every role may read it. */
@ApiTags('queries')
@Controller()
@Roles('integration', 'delegate', 'secretariat', 'auditor')
@ApiCommonErrors()
export class DashboardController {
  constructor(private readonly queries: QueryBus) {}

  @Get('agreements/:id/dashboard')
  @ApiOperation({
    summary: 'Counts by status, domain and party; the overdue list; items awaiting each party (?asOf: replayed)',
  })
  dashboard(@Param('id', uuid) id: string, @Query() query: DashboardQueryDto) {
    if (query.asOf !== undefined) {
      return this.queries.execute(new GetDashboardAsOfQuery(id, query.asOf, parseInstant(query.asOf)!));
    }
    return this.queries.execute(new GetDashboardQuery(id, query.after));
  }
}
