import { parseInstant } from '@accord/audit';
import { commitmentStreamId } from '@accord/commitments';
import type { EventStore, RecordedEvent } from '@accord/event-store';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ApiCommonErrors } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { uuid } from '../http/uuid';
import { CommitmentEventsQueryDto, CommitmentStateQueryDto } from './audit.dto';
import { commitmentAt, type CommitmentStateView } from './commitment-at';
import { DigestService } from './digest.service';

class LogDigestDto {
  @ApiProperty({ description: 'Position of the last event covered (0 for an empty log)', example: 1234 })
  position!: number;
  @ApiProperty({ description: 'Events covered', example: 1234 })
  count!: number;
  @ApiProperty({
    description: 'digest_n = hex(SHA-256(digest_{n-1} || hash_n)) over the hex hashes in position order, from 64 zeros',
    example: 'f1c3…',
  })
  digest!: string;
}

/**
 * What auditors read: the log itself and states replayed from it. Reads only; the
 * auditor role has no write route anywhere (admin may do everything).
 */
@ApiTags('audit')
@Controller()
@Roles('auditor')
@ApiCommonErrors()
export class AuditController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly digests: DigestService,
  ) {}

  @Get('audit/digest')
  @ApiOperation({ summary: 'The running SHA-256 digest over every event hash in global order: a witness to keep' })
  @ApiOkResponse({ type: LogDigestDto })
  digest() {
    return this.digests.current();
  }

  @Get('commitments/:id/state')
  @ApiOperation({
    summary: 'A commitment as it stood at ?revision=N or ?asOf=<instant>, replayed from its stream (auditor)',
  })
  state(@Param('id', uuid) id: string, @Query() query: CommitmentStateQueryDto): Promise<CommitmentStateView> {
    if (query.revision !== undefined && query.asOf !== undefined) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'Give revision or asOf, not both', {
        errors: [{ field: 'asOf', messages: ['revision and asOf cannot be combined'] }],
      });
    }
    if (query.revision !== undefined) return commitmentAt(this.store, id, { revision: query.revision });
    if (query.asOf !== undefined) {
      return commitmentAt(this.store, id, { asOf: query.asOf, asOfMs: parseInstant(query.asOf)! });
    }
    return commitmentAt(this.store, id, undefined);
  }

  @Get('commitments/:id/events')
  @ApiOperation({ summary: "A commitment's events as stored, with metadata and hashes, from a revision (auditor)" })
  async events(
    @Param('id', uuid) id: string,
    @Query() query: CommitmentEventsQueryDto,
  ): Promise<{ items: RecordedEvent[] }> {
    const streamId = commitmentStreamId(id);
    const fromRevision = query.fromRevision ?? 0;
    const items = await this.store.readStream(streamId, { fromRevision, maxCount: query.limit ?? 100 });
    if (
      items.length === 0 &&
      (fromRevision === 0 || (await this.store.readStream(streamId, { maxCount: 1 })).length === 0)
    ) {
      throw new ProblemException(404, 'NOT_FOUND', `commitment ${id} does not exist`);
    }
    return { items };
  }
}
