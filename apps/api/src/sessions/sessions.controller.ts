import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CommandGateway } from '../pipeline/command-gateway';
import type { CommandMeta } from '../pipeline/command-runner';
import { SessionCommandInput, SessionCommandMessage } from './session.command';
import { ApiCommand } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import { ApproveMinutesDto, AttachDocumentDto, RecordAddendumDto } from '../minutes/minutes.dto';
import {
  AddAgendaItemDto,
  AgendaItemAcceptedDto,
  CloseSessionDto,
  OpenSessionDto,
  RecordPositionDto,
  ScheduleSessionDto,
} from './session.dto';

/** Namespace for agenda item ids derived from (principal, Idempotency-Key, session). */
const ITEM_ID_NAMESPACE = '5e2b7c4d-8a1f-4f3e-b6d9-2c7a0e9f1b38';

type Build = (context: SessionCommandInput['context']) => SessionCommandInput;

/**
 * The mixed committee's sessions. The secretariat schedules, sets the agenda, opens and closes;
 * a delegate records its own party's positions (the decider takes the party from the key).
 */
@ApiTags('sessions')
@Controller('sessions')
@Roles('secretariat')
export class SessionsController {
  constructor(private readonly gateway: CommandGateway) {}

  private send(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    sessionId: string,
    build: Build,
    options: { creates?: boolean; extra?: Record<string, unknown> } = {},
  ): Promise<void> {
    return this.gateway.send(request, reply, principal, {
      creates: options.creates ?? false,
      aggregateId: sessionId,
      message: (meta: CommandMeta) => new SessionCommandMessage(build({ actor: meta.actor, now: meta.now }), meta),
      extra: options.extra,
    });
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: "Schedule a session of the agreement's mixed committee (secretariat)",
    description:
      'The secretariat (or admin) schedules a session of the mixed committee of an agreement, with its date and place. ' +
      'Send `id` to make the creation idempotent by id; 201 names the session in Location.',
  })
  @ApiCommand({ creates: true })
  async schedule(
    @Body() body: ScheduleSessionDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const sessionId = body.id ?? this.gateway.newAggregateId(request, principal);
    await this.send(
      request,
      reply,
      principal,
      sessionId,
      (context) => ({
        type: 'ScheduleSession',
        data: { sessionId, agreementId: body.agreementId, scheduledFor: body.scheduledFor, venue: body.venue },
        context,
      }),
      { creates: true },
    );
  }

  @Post(':id/agenda')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a commitment on the agenda, with the kind of decision sought (secretariat)',
    description:
      'The secretariat (or admin) adds an item to a scheduled session: a commitment of the agreement and the decision ' +
      'sought (its kind: review, evaluation, extension, suspension, resumption or reopening). The answer names the new item in `itemId`.',
  })
  @ApiOkResponse({ type: AgendaItemAcceptedDto, description: 'Accepted; `itemId` names the new item' })
  @ApiCommand({ creates: false })
  async addAgendaItem(
    @Param('id', uuid) sessionId: string,
    @Body() body: AddAgendaItemDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const itemId = body.itemId ?? newItemId(request, principal, sessionId);
    await this.send(
      request,
      reply,
      principal,
      sessionId,
      (context) => ({
        type: 'AddAgendaItem',
        data: {
          sessionId,
          itemId,
          commitmentId: body.commitmentId,
          kind: body.kind,
          ...(body.proposedDueDate !== undefined ? { proposedDueDate: body.proposedDueDate } : {}),
        },
        context,
      }),
      { extra: { itemId } },
    );
  }

  @Post(':id/open')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Open the session with the parties present (secretariat)',
    description:
      'The secretariat (or admin) opens a scheduled session, recording which parties attend. A decision needs every ' +
      'party of the agreement present.',
  })
  @ApiCommand({ creates: false })
  async open(
    @Param('id', uuid) sessionId: string,
    @Body() body: OpenSessionDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'OpenSession',
      data: { sessionId, attendance: body.attendance },
      context,
    }));
  }

  @Post(':id/positions')
  @HttpCode(200)
  @Roles('delegate')
  @ApiOperation({
    summary: "Record the caller's party's position on an item; when every party agrees, the decision is reached",
    description:
      "A delegate records its party's position on an agenda item of an open session. While the delegations disagree, " +
      'any may change its position; when every party takes the same one, the decision is reached and the committee ' +
      'process manager carries it to the commitment.',
  })
  @ApiCommand({ creates: false })
  async recordPosition(
    @Param('id', uuid) sessionId: string,
    @Body() body: RecordPositionDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'RecordPosition',
      data: {
        sessionId,
        itemId: body.itemId,
        position: body.position,
        ...(body.note !== undefined ? { note: body.note } : {}),
      },
      context,
    }));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Close the session; every undecided item is deferred (secretariat)',
    description:
      'The secretariat (or admin) closes an open session. Every item still without a decision is deferred, and its ' +
      'commitment can go on the agenda of a later session.',
  })
  @ApiCommand({ creates: false })
  async close(
    @Param('id', uuid) sessionId: string,
    @Body() _body: CloseSessionDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'CloseSession',
      data: { sessionId },
      context,
    }));
  }

  @Post(':id/minutes/approvals')
  @HttpCode(200)
  @Roles('delegate')
  @ApiOperation({
    summary: "Approve the minutes (or an addendum) of a closed session for the caller's party, by content hash",
    description:
      'A delegate approves, for its own party, the document whose content has `contentHash` (GET …/minutes gives ' +
      'it): the minutes or one of their addenda. When every party has approved, the document is adopted ' +
      '(MinutesAdopted). A session still open has no minutes to approve (422 ILLEGAL_TRANSITION); a hash that is ' +
      'not the document as the log has it is 422 `content-hash-current`; approving twice is 422 ' +
      '`document-already-approved`.',
  })
  @ApiCommand({ creates: false })
  async approveMinutes(
    @Param('id', uuid) sessionId: string,
    @Body() body: ApproveMinutesDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'ApproveMinutes',
      data: { sessionId, contentHash: body.contentHash },
      context,
    }));
  }

  @Post(':id/minutes/addenda')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record an addendum correcting the adopted minutes (secretariat)',
    description:
      'The log is append-only: adopted minutes never change. A correction is an addendum, a document of its own ' +
      'with its own content hash, which the delegations approve and adopt like the minutes. Only adopted minutes ' +
      'take an addendum (422 `minutes-adopted-first`).',
  })
  @ApiCommand({ creates: false })
  async recordAddendum(
    @Param('id', uuid) sessionId: string,
    @Body() body: RecordAddendumDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'RecordMinutesAddendum',
      data: { sessionId, text: body.text },
      context,
    }));
  }

  @Post(':id/documents')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Attach a stored file to the session: a presentation, a signed roll (secretariat)',
    description:
      'The file is uploaded first (POST /evidence); the session records its title and SHA-256 (with its size and ' +
      'type), so the hash chain covers the document itself. Documents attached before the closing are listed in ' +
      'the minutes. A hash the evidence store does not hold is 422 EVIDENCE_NOT_FOUND.',
  })
  @ApiCommand({ creates: false })
  async attachDocument(
    @Param('id', uuid) sessionId: string,
    @Body() body: AttachDocumentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, sessionId, (context) => ({
      type: 'AttachSessionDocument',
      data: { sessionId, title: body.title, sha256: body.sha256 },
      context,
    }));
  }
}

/**
 * An item id the client did not choose: stable under an Idempotency-Key, so that a retry names
 * the item the first attempt added; random otherwise, as the command id then is.
 */
function newItemId(request: FastifyRequest, principal: Principal, sessionId: string): string {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? uuidv5(`${principal.id}\n${key}\n${sessionId}`, ITEM_ID_NAMESPACE) : randomUUID();
}
