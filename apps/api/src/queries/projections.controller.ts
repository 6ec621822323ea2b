import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { UnknownProjectionError, type ProjectionRunner } from '@accord/projections';
import type { EventStore } from '@accord/event-store';
import { Roles } from '../auth/auth.decorators';
import { CommitteeProcessManager } from '../committee/committee-process-manager';
import { PROJECTIONS } from '../committee/workers.module';
import { EVENT_STORE } from '../event-store/event-store.module';
import { ApiCommonErrors } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { headPosition } from './head-position';

@ApiTags('projections')
@Controller()
@ApiCommonErrors()
export class ProjectionsController {
  constructor(
    @Inject(PROJECTIONS) private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly processManager: CommitteeProcessManager,
  ) {}

  @Get('projections')
  @Roles('secretariat', 'auditor')
  @ApiOperation({
    summary:
      "Each read model's checkpoint, lag in events, version and state (live, rebuilding), and the committee process manager's checkpoint and lag",
  })
  async list() {
    const head = await headPosition(this.store);
    const items = await Promise.all(
      (await this.runner.status()).map(async (status) => ({
        ...status,
        lag: await this.lagAfter(status.checkpoint, head),
      })),
    );
    const checkpoint = await this.processManager.checkpoint();
    return { head, items, processManager: { checkpoint, lag: await this.lagAfter(checkpoint, head) } };
  }

  @Post('admin/projections/:name/rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({ summary: 'Rebuild a read model into fresh tables while the live one serves, then swap (admin)' })
  rebuild(@Param('name') name: string) {
    try {
      this.runner.projection(name);
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new ProblemException(404, 'NOT_FOUND', error.message);
      throw error;
    }
    void this.runner.rebuild(name);
    return { name, state: 'rebuilding' };
  }

  /** Events after the checkpoint, counted up to 10,000 (reported as a lower bound beyond). */
  private async lagAfter(checkpoint: number, head: number): Promise<number> {
    if (checkpoint >= head) return 0;
    let count = 0;
    for (let after = checkpoint; count < 10_000;) {
      const page = await this.store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) break;
      count += page.length;
      after = page[page.length - 1].position;
    }
    return count;
  }
}
