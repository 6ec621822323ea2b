import { parseInstant } from '@accord/audit';
import { commitmentStreamId } from '@accord/commitments';
import type { EventStore } from '@accord/event-store';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { CommitmentStateViewDto } from '../commitments/commitment-view.dto';
import { badCursor, decodeRevisionCursor, encodeCursor } from '../commitments/page-cursor';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ApiCommonErrors, ApiRead } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import { uuid } from '../http/uuid';
import { StreamEventsQueryDto, CommitmentStateQueryDto } from './audit.dto';
import { commitmentAt, type CommitmentStateView } from './commitment-at';
import { DigestService } from './digest.service';
import { TimeTravel } from './time-travel';
import { IntegrityMonitor } from './integrity-monitor';
import { auditedPage, AuditedCommitmentEventPageDto, type AuditedEvent } from './stream-events';

export class LogDigestDto {
  @ApiProperty({
    type: 'integer',
    description: 'Position of the last event covered (0 for an empty log)',
    example: 1234,
  })
  position!: number;
  @ApiProperty({ type: 'integer', description: 'Events covered', example: 1234 })
  count!: number;
  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description: 'digest_n = hex(SHA-256(digest_{n-1} || hash_n)) over the hex hashes in position order, from 64 zeros',
    example: '9f2c1d0e7b4a65f3c8e1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3',
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
    private readonly integrity: IntegrityMonitor,
    private readonly timeTravel: TimeTravel,
  ) {}

  @Get('audit/digest')
  @ApiOperation({
    summary: 'The running SHA-256 digest over every event hash in global order: a witness to keep',
    description:
      "Each event's hash is recomputed from its content, never copied from metadata.hash: an event changed in the " +
      'database changes the digest, and is reported by /health (integrity). Keep it: `accord audit verify --digest ' +
      '<file>` on a later log proves that log still extends the history this digest covers.',
  })
  @ApiRead({ type: LogDigestDto, description: 'The digest of the whole log, at its last position' })
  digest() {
    return this.digests.current();
  }

  @Get('commitments/:id/state')
  @ApiOperation({
    summary: 'A commitment as it stood at ?revision=N or ?asOf=<instant>, replayed from its stream (auditor)',
    description:
      'Folds the stream from the log, not the commitments read model (starting from the nearest snapshot the ' +
      'time-travel read model keeps every 25 revisions, then the later events as stored), up to and including ' +
      '`revision`, or up to the first ' +
      'event that occurred after `asOf`; without either, to its last event. The answer is the commitment view ' +
      'GET /commitments/{id} served right after that revision, with `asOfRevision`. `revision` and `asOf` ' +
      'together are 400; an `asOf` on a day that does not exist (2027-02-30) is 400. 404 when the commitment ' +
      'does not exist, has no such revision (with `lastRevision`), or did not exist yet at `asOf`.',
  })
  @ApiRead({ type: CommitmentStateViewDto, description: 'The commitment as it stood then', notFound: true })
  async state(@Param('id', uuid) id: string, @Query() query: CommitmentStateQueryDto): Promise<CommitmentStateView> {
    if (query.revision !== undefined && query.asOf !== undefined) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'Give revision or asOf, not both', {
        errors: [{ field: 'asOf', messages: ['revision and asOf cannot be combined'] }],
      });
    }
    const cutoff =
      query.revision !== undefined
        ? { revision: query.revision }
        : query.asOf !== undefined
          ? { asOf: query.asOf, asOfMs: parseInstant(query.asOf)! }
          : undefined;
    // From the nearest snapshot of the time-travel read model, when it has one (time-travel.ts).
    return commitmentAt(this.store, id, cutoff, await this.timeTravel.commitmentStart(id, cutoff));
  }

  @Get('commitments/:id/events')
  @ApiOperation({
    summary: "A commitment's events as stored, with metadata and hashes, paged (auditor)",
    description:
      'The events of its stream in revision order, `limit` a page, from the log itself. The first page starts ' +
      'at `fromRevision` (0 by default); a page that is not the last has a `nextCursor` to send as `cursor` for ' +
      'the next. `cursor` carries where the next page starts, so `fromRevision` with it is 400; a cursor of ' +
      'another commitment or another list is 400 VALIDATION_FAILED naming `cursor`. A `fromRevision` past the ' +
      'last event answers an empty page. Each event has its `integrity`: its hash recomputed and its link to the ' +
      'previous event checked as it is served; one that fails is marked and reported by /health.',
  })
  @ApiRead({ type: AuditedCommitmentEventPageDto, description: 'A page of the stream', notFound: true })
  async events(
    @Param('id', uuid) id: string,
    @Query() query: StreamEventsQueryDto,
  ): Promise<{ items: AuditedEvent[]; nextCursor: string | null }> {
    if (query.cursor !== undefined && query.fromRevision !== undefined) {
      badCursor(
        'cannot be combined with fromRevision: the cursor carries where the next page starts',
        'cursor',
        'Give fromRevision or cursor, not both',
      );
    }
    const streamId = commitmentStreamId(id);
    const fromRevision =
      query.cursor !== undefined ? decodeRevisionCursor(query.cursor, 'events', id) : (query.fromRevision ?? 0);
    const page = await auditedPage(this.store, this.integrity, streamId, fromRevision, query.limit ?? 100);
    if (!page) throw new ProblemException(404, 'NOT_FOUND', `commitment ${id} does not exist`);
    return { items: page.items, nextCursor: page.next === undefined ? null : encodeCursor('events', id, page.next) };
  }
}
