import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import type { CommandMeta } from '../pipeline/command-runner';
import { CommandGateway } from '../pipeline/command-gateway';
import { CommitmentCommandInput, CommitmentCommandMessage } from './commitment.command';
import { ApiCommand } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import {
  CloseCommitmentDto,
  CompleteCommitmentDto,
  EmptyDto,
  EvidenceDto,
  ProposeCommitmentDto,
  ReportProgressDto,
  ReviseCommitmentDto,
  WithdrawCommitmentDto,
} from './commitment.dto';

/** The evidence as sent: the handler fills in the size of a stored file it names. */
const evidenceOf = (e: EvidenceDto) => ({
  title: e.title,
  ...(e.uri !== undefined ? { uri: e.uri } : {}),
  ...(e.sha256 !== undefined ? { sha256: e.sha256 } : {}),
});

type Build = (context: CommitmentCommandInput['context']) => CommitmentCommandInput;

/**
 * The commands a party sends about its own commitments. Which party may act is the
 * decider's rule (the owner only); the route refuses roles that never write.
 */
@ApiTags('commitments')
@Controller('commitments')
@Roles('integration', 'delegate', 'secretariat')
export class CommitmentsController {
  constructor(private readonly gateway: CommandGateway) {}

  private send(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    commitmentId: string,
    creates: boolean,
    build: Build,
  ): Promise<void> {
    return this.gateway.send(request, reply, principal, {
      creates,
      aggregateId: commitmentId,
      message: (meta: CommandMeta) => new CommitmentCommandMessage(build({ actor: meta.actor, now: meta.now }), meta),
    });
  }

  @Post()
  @HttpCode(201)
  @Roles('integration', 'delegate')
  @ApiOperation({
    summary: "Propose a commitment; the caller's party owns it",
    description:
      "A party (its integration or delegate key) proposes a commitment under an agreement it is party to, in one of the agreement's domains; it goes on the committee's agenda as `proposed`. Send `id` to make the creation idempotent by id; 201 names the commitment in Location.",
  })
  @ApiCommand({ creates: true })
  async propose(
    @Body() body: ProposeCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const commitmentId = body.id ?? this.gateway.newAggregateId(request, principal);
    await this.send(request, reply, principal, commitmentId, true, (context) => ({
      type: 'ProposeCommitment',
      data: {
        commitmentId,
        agreementId: body.agreementId,
        title: body.title,
        description: body.description,
        domain: body.domain,
        leadAgencies: body.leadAgencies,
        ...(body.dueDate !== undefined ? { dueDate: body.dueDate } : {}),
        ...(body.priority !== undefined ? { priority: body.priority } : {}),
      },
      context,
    }));
  }

  @Post(':id/revise')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revise a proposal (while proposed or changes were requested)',
    description:
      'The owning party changes the title, description, domain, lead agencies, due date (null removes it) or priority of its proposal while it is `proposed` or `changes_requested`. Only the fields sent change; a revision that changes nothing is refused (RULE_VIOLATED).',
  })
  @ApiCommand({ creates: false })
  async revise(
    @Param('id', uuid) commitmentId: string,
    @Body() body: ReviseCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'ReviseCommitment',
      data: { commitmentId, ...changes },
      context,
    }));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Withdraw a commitment before the committee decides on it',
    description:
      'The owning party withdraws its commitment, with a reason, before the committee has decided on it. Withdrawn is final.',
  })
  @ApiCommand({ creates: false })
  async withdraw(
    @Param('id', uuid) commitmentId: string,
    @Body() body: WithdrawCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'WithdrawCommitment',
      data: { commitmentId, reason: body.reason },
      context,
    }));
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start an approved commitment',
    description:
      'The owning party starts work on a commitment the committee approved: `approved` becomes `in_progress`.',
  })
  @ApiCommand({ creates: false })
  async start(
    @Param('id', uuid) commitmentId: string,
    @Body() _body: EmptyDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'StartCommitment',
      data: { commitmentId },
      context,
    }));
  }

  @Post(':id/progress')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report progress: a percentage that never goes down, a narrative, evidence',
    description:
      'The owning party reports progress on a commitment in progress: a percentage (0–100) that never goes down, a narrative and up to 50 pieces of evidence (a title, and a URI or the `sha256` of a file uploaded with POST /evidence; 422 EVIDENCE_NOT_FOUND if it is not stored).',
  })
  @ApiCommand({ creates: false })
  async progress(
    @Param('id', uuid) commitmentId: string,
    @Body() body: ReportProgressDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'ReportProgress',
      data: {
        commitmentId,
        percent: body.percent,
        narrative: body.narrative,
        evidence: (body.evidence ?? []).map(evidenceOf),
      },
      context,
    }));
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Declare a commitment done, with a summary and evidence',
    description:
      'The owning party declares its commitment done, with a summary and evidence (a title, and a URI or the `sha256` of a file uploaded with POST /evidence; 422 EVIDENCE_NOT_FOUND if it is not stored); the committee then evaluates it in a session.',
  })
  @ApiCommand({ creates: false })
  async complete(
    @Param('id', uuid) commitmentId: string,
    @Body() body: CompleteCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'CompleteCommitment',
      data: {
        commitmentId,
        summary: body.summary,
        evidence: (body.evidence ?? []).map(evidenceOf),
      },
      context,
    }));
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('secretariat')
  @ApiOperation({
    summary: 'Close an evaluated commitment (secretariat)',
    description:
      'The secretariat closes a commitment the committee has evaluated, with an optional note. Closed is final.',
  })
  @ApiCommand({ creates: false })
  async close(
    @Param('id', uuid) commitmentId: string,
    @Body() body: CloseCommitmentDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.send(request, reply, principal, commitmentId, false, (context) => ({
      type: 'CloseCommitment',
      data: { commitmentId, ...(body.note !== undefined ? { note: body.note } : {}) },
      context,
    }));
  }
}
