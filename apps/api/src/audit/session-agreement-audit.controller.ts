import { agreementStreamId } from '@accord/commitments';
import { sessionStreamId } from '@accord/committee';
import type { EventStore } from '@accord/event-store';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgreementStateDto } from '../agreements/agreement-view.dto';
import { Roles } from '../auth/auth.decorators';
import { ApiCommonErrors, ApiRead } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { SessionStateDto } from '../sessions/session-view.dto';
import { agreementAt } from './agreement-at';
import { CommitmentStateQueryDto, StreamEventsQueryDto } from './audit.dto';
import { IntegrityMonitor } from './integrity-monitor';
import { sessionAt } from './session-at';
import { cutoffOf } from './stream-at';
import { AgreementEventPageDto, SessionEventPageDto, streamEvents } from './stream-events';

const STATE =
  'Replayed from the stream, not read from a read model: with `?revision=N` up to and including that revision, ' +
  'with `?asOf=<instant>` up to the first event that occurred after it, without either to the head. ' +
  '`revision` and `asOf` together are 400; a revision past the end is 404 with `lastRevision`.';
const EVENTS =
  'The raw events of the stream in revision order, with their metadata and hash chain, as the store holds them, ' +
  'each with its `integrity`: its hash recomputed and its link to the previous event checked as it is served. ' +
  '`limit` a page. The first page starts at `fromRevision` (0 by default); a page that is not the last has a ' +
  '`nextCursor` to send as `cursor` for the next. `fromRevision` with `cursor` is 400; a cursor of another ' +
  'stream or list is 400 VALIDATION_FAILED naming `cursor`. A `fromRevision` past the last event answers an ' +
  'empty page.';

/**
 * Time travel and the raw events of sessions and agreements, as AuditController serves them
 * for commitments: auditors (and admin) only.
 */
@ApiTags('audit')
@Controller()
@Roles('auditor')
@ApiCommonErrors()
export class SessionAgreementAuditController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly integrity: IntegrityMonitor,
  ) {}

  @Get('sessions/:id/state')
  @ApiOperation({
    summary: 'A session as it stood at ?revision=N or ?asOf=<instant>, replayed from its stream (auditor)',
    description: `${STATE} The answer is what \`GET /sessions/{id}\` answered right after that revision, with \`asOfRevision\`.`,
  })
  @ApiRead({ type: SessionStateDto, description: 'The session at that point', notFound: true })
  sessionState(@Param('id', uuid) id: string, @Query() query: CommitmentStateQueryDto) {
    return sessionAt(this.store, id, cutoffOf(query));
  }

  @Get('sessions/:id/events')
  @ApiOperation({ summary: "A session's events as stored, with metadata and hashes (auditor)", description: EVENTS })
  @ApiRead({
    type: SessionEventPageDto,
    description: 'A page of events and the cursor of the next one',
    notFound: true,
  })
  sessionEvents(@Param('id', uuid) id: string, @Query() query: StreamEventsQueryDto) {
    return streamEvents(this.store, this.integrity, 'session-events', id, sessionStreamId(id), `session ${id}`, query);
  }

  @Get('agreements/:id/state')
  @ApiOperation({
    summary: 'An agreement as it stood at ?revision=N or ?asOf=<instant>, replayed from its stream (auditor)',
    description: `${STATE} The answer is what \`GET /agreements/{id}\` answered right after that revision, with \`asOfRevision\`.`,
  })
  @ApiRead({ type: AgreementStateDto, description: 'The agreement at that point', notFound: true })
  agreementState(@Param('id', uuid) id: string, @Query() query: CommitmentStateQueryDto) {
    return agreementAt(this.store, id, cutoffOf(query));
  }

  @Get('agreements/:id/events')
  @ApiOperation({ summary: "An agreement's events as stored, with metadata and hashes (auditor)", description: EVENTS })
  @ApiRead({
    type: AgreementEventPageDto,
    description: 'A page of events and the cursor of the next one',
    notFound: true,
  })
  agreementEvents(@Param('id', uuid) id: string, @Query() query: StreamEventsQueryDto) {
    return streamEvents(
      this.store,
      this.integrity,
      'agreement-events',
      id,
      agreementStreamId(id),
      `agreement ${id}`,
      query,
    );
  }
}
