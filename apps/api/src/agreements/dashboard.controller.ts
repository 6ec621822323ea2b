import { parseInstant } from '@accord/audit';
import { Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation } from '@nestjs/swagger';
import { DashboardQueryDto } from '../audit/audit.dto';
import { GetDashboardAsOfQuery } from '../audit/dashboard-as-of';
import { ApiRead } from '../http/api-docs.decorators';
import { ReadController } from '../http/read-controller';
import { uuid } from '../http/uuid';
import { DashboardDto } from './agreement-view.dto';
import { GetDashboardQuery } from './dashboard.queries';

/** An agreement's dashboard, from the read models (or replayed, with ?asOf); every role may read it. */
@ReadController()
export class DashboardController {
  constructor(private readonly queries: QueryBus) {}

  @Get('agreements/:id/dashboard')
  @ApiOperation({
    summary: 'Counts by status, domain and party; the overdue list; items awaiting each party (?asOf: replayed)',
    description:
      "From the commitments and sessions read models; with `?asOf=<instant>` the agreement's streams as " +
      'they stood at the first event of the log that occurred after that instant (from the time-travel read ' +
      'model, which keeps their states by position, or replayed from the log while it catches up), and the ' +
      'answer carries `asOf` (`after` does not apply then).',
  })
  @ApiRead({
    type: DashboardDto,
    description: "The agreement's dashboard",
    notFound: true,
    after: true,
  })
  dashboard(@Param('id', uuid) id: string, @Query() query: DashboardQueryDto) {
    if (query.asOf !== undefined) {
      return this.queries.execute(new GetDashboardAsOfQuery(id, query.asOf, parseInstant(query.asOf)!));
    }
    return this.queries.execute(new GetDashboardQuery(id, query.after));
  }
}
