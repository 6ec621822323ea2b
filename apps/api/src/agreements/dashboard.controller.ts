import { parseInstant } from '@accord/audit';
import { Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import { DashboardQueryDto } from '../audit/audit.dto';
import { GetDashboardAsOfQuery } from '../audit/dashboard-as-of';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { GetDashboardQuery } from './dashboard.queries';

/** An agreement's dashboard, from the read models (or replayed, with ?asOf); every role may read it. */
@ReadController()
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
