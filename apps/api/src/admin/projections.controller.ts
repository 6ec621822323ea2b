import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import {
  SkipRefusedError,
  UnknownProjectionError,
  type ProjectionRunner,
  type RecordedSkip,
} from '@accord/projection-runner';
import { headPosition, type EventStore } from '@accord/event-store';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CommitteeProcessManager } from '../workers/committee-process-manager';
import { PROJECTIONS } from '../workers/workers.tokens';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ApiCommonErrors, ApiProblem } from '../http/api-docs.decorators';
import { ProjectionsDto, RebuildStartedDto, RecordedSkipDto } from './projections.dto';
import { ProblemException } from '../http/problem';

export class SkipEventDto {
  @ApiProperty({ description: 'The position of the event the read model failed on', example: 57 })
  @IsInt()
  @Min(1)
  position!: number;

  @ApiProperty({ description: 'Why it is skipped: kept on record with who and when', example: 'test data, see #123' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ description: 'Skip it even though the read model has not failed on it' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

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
    summary: 'How far each read model and the committee process manager have come',
    description:
      "Each read model's checkpoint, lag in events, version, state (live, rebuilding, failed: with the event it stopped on " +
      "and the error) and skipped events, and the committee process manager's checkpoint and lag (with state failed and " +
      'the event while it is stuck on one). Secretariat, auditor and admin.',
  })
  @ApiOkResponse({ type: ProjectionsDto })
  async list(): Promise<ProjectionsDto> {
    const head = await headPosition(this.store);
    const skips = await this.runner.skips();
    const items = await Promise.all(
      (await this.runner.status()).map(async (status) => ({
        ...status,
        failure: status.failure ?? null,
        lag: await this.lagAfter(status.checkpoint, head),
        skips: skips.filter((s) => s.projection === status.name).map(({ projection: _, ...skip }) => skip),
      })),
    );
    const checkpoint = await this.processManager.checkpoint();
    const failure = await this.processManager.stuckOn();
    return {
      head,
      items,
      processManager: {
        checkpoint,
        lag: await this.lagAfter(checkpoint, head),
        // Only while it is stuck retrying an event (it never skips one: each carries a decision).
        ...(failure ? { state: 'failed', failure } : {}),
      },
    };
  }

  @Post('admin/projections/:name/skip')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Pass a read model over the event it failed on',
    description:
      'Record that a read model passes over the event it failed on (who, when, why); it resumes past it (admin). ' +
      '404 for no such read model or event, 409 when it has not failed on that event (unless force).',
  })
  @ApiOkResponse({ type: RecordedSkipDto, description: 'The skip, on record' })
  @ApiProblem(404, 'NOT_FOUND: no such read model, or no event at that position')
  @ApiProblem(409, 'CONFLICT: the read model has not failed on that event (send force to skip it anyway)')
  async skip(
    @Param('name') name: string,
    @Body() body: SkipEventDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordedSkip> {
    try {
      return await this.runner.skip(name, {
        position: body.position,
        reason: body.reason,
        by: `${principal.name} (key ${principal.id})`,
        force: body.force,
      });
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new ProblemException(404, 'NOT_FOUND', error.message);
      if (error instanceof SkipRefusedError) {
        throw new ProblemException(
          error.code === 'NOT_FOUND' ? 404 : 409,
          error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'CONFLICT',
          error.message,
        );
      }
      throw error;
    }
  }

  @Post('admin/projections/:name/rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary: 'Rebuild a read model',
    description:
      'Replay the log into fresh tables while the live ones serve, then swap them atomically (admin). The answer ' +
      'comes at once (202); GET /projections shows the rebuild and, if it stops on an event, that event.',
  })
  @ApiAcceptedResponse({ type: RebuildStartedDto, description: 'The rebuild has started' })
  @ApiProblem(404, 'NOT_FOUND: no such read model')
  rebuild(@Param('name') name: string): RebuildStartedDto {
    try {
      this.runner.projection(name);
    } catch (error) {
      if (error instanceof UnknownProjectionError) throw new ProblemException(404, 'NOT_FOUND', error.message);
      throw error;
    }
    // A rebuild that stops on an event is on record (GET /projections) and logged.
    this.runner.rebuild(name).catch(() => undefined);
    return { name, state: 'rebuilding' as const };
  }

  /**
   * Events after the checkpoint, counted up to 10,000 (reported as a lower bound beyond), a
   * page at a time with a turn of the event loop between pages (positions may have gaps, so
   * the lag is counted, not subtracted).
   */
  private async lagAfter(checkpoint: number, head: number): Promise<number> {
    if (checkpoint >= head) return 0;
    let count = 0;
    for (let after = checkpoint; count < 10_000;) {
      const page = await this.store.readAll({ after, maxCount: 500 });
      if (page.length === 0) break;
      count += page.length;
      after = page[page.length - 1].position;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return count;
  }
}
