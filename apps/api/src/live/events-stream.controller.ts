import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiProblem } from '../http/api-docs.decorators';
import { ProblemDetails, ProblemException } from '../http/problem';
import { EventsStreamQueryDto } from './events-stream.dto';
import { LiveFeed } from './live-feed';

/** A position as Last-Event-ID carries it: the decimal id of the last message the reader saw. */
const POSITION = /^\d{1,16}$/;

/**
 * The live feed: the log as Server-Sent Events, for auditors and integrations. Every role
 * reads it, as every role reads the records (the parties share them; README, "Who may read what").
 */
@ApiTags('events')
@Controller()
@Roles('integration', 'delegate', 'secretariat', 'auditor')
export class EventsStreamController {
  constructor(private readonly feed: LiveFeed) {}

  @Get('events/stream')
  @ApiOperation({
    summary: 'Follow the log live, as Server-Sent Events',
    description:
      'Each message is `id: <position>`, `event: <type>` and `data: <the event as CloudEvents JSON, one line>`, in log ' +
      'order. Starts after `Last-Event-ID` (an EventSource reconnecting sends it), else after `?after=`, else at the ' +
      'head (events committed from now on). A `: heartbeat` comment comes every ACCORD_SSE_HEARTBEAT_MS. A reader ' +
      'that falls more than ACCORD_SSE_MAX_BUFFER_BYTES behind is disconnected and resumes with Last-Event-ID; at most ' +
      'ACCORD_SSE_MAX_STREAMS_PER_KEY streams per key (decision 0034).',
  })
  @ApiExtraModels(ProblemDetails)
  @ApiBearerAuth()
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this position (the id of the last message seen); wins over ?after=',
  })
  @ApiOkResponse({
    description: 'The stream: SSE messages and heartbeat comments, until the reader or the server closes it',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          example:
            'retry: 2000\n\nid: 42\nevent: DecisionReached\ndata: {"specversion":"1.0","id":"…","type":"dev.accord.DecisionReached.v1",…}\n\n: heartbeat\n\n',
        },
      },
    },
  })
  @ApiProblem(400, 'VALIDATION_FAILED: a bad query parameter or Last-Event-ID; nothing is streamed')
  @ApiProblem(401, 'UNAUTHENTICATED: no valid API key')
  @ApiProblem(
    429,
    'RATE_LIMITED: this key has ACCORD_SSE_MAX_STREAMS_PER_KEY streams open (or is over ACCORD_RATE_LIMIT); retry after Retry-After',
  )
  @ApiProblem(500, 'INTERNAL: an unexpected error, logged with the request id')
  @ApiProblem(503, 'SERVICE_UNAVAILABLE: the instance is stopping or its store is closed; reconnect')
  async stream(
    @Query() query: EventsStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    let after = query.after;
    // The header wins: an EventSource reconnects to the same URL, ?after= and all, and sends
    // the id of the last message it saw, which is where it must resume.
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      const id = lastEventId.trim();
      if (!POSITION.test(id) || !Number.isSafeInteger(Number(id))) {
        throw new ProblemException(400, 'VALIDATION_FAILED', 'Last-Event-ID must be a log position', {
          errors: [{ field: 'Last-Event-ID', messages: ['Last-Event-ID must be a whole number: the id of a message'] }],
        });
      }
      after = Number(id);
    }
    await this.feed.start({
      principal,
      filter: {
        types: query.types,
        category: query.category,
        agreementId: query.agreementId,
        party: query.party,
      },
      after,
      request,
      reply,
    });
  }
}
