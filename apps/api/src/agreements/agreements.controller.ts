import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AgreementCommandMessage } from './agreement.command';
import { CommandGateway } from '../pipeline/command-gateway';
import { ApiCommand } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import { AmendDomainsDto, RegisterAgreementDto } from './agreement.dto';

@ApiTags('agreements')
@Controller('agreements')
@Roles('secretariat')
export class AgreementsController {
  constructor(private readonly gateway: CommandGateway) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register an agreement, its parties and domains of cooperation',
    description:
      'The secretariat (or admin) registers a cooperation agreement: its title, signature date and place, two or more ' +
      'parties (each with a code, a name and its agencies) and the domains of cooperation. Send `id` to make the ' +
      'creation idempotent by id; 201 names the agreement in Location.',
  })
  @ApiCommand({ creates: true })
  async register(
    @Body() body: RegisterAgreementDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const agreementId = body.id ?? this.gateway.newAggregateId(request, principal);
    await this.gateway.send(request, reply, principal, {
      creates: true,
      aggregateId: agreementId,
      message: (meta) =>
        new AgreementCommandMessage(
          {
            type: 'RegisterAgreement',
            data: {
              agreementId,
              title: body.title,
              signedAt: body.signedAt,
              signedIn: body.signedIn,
              parties: body.parties.map((p) => ({ code: p.code, name: p.name, agencies: p.agencies })),
              domains: body.domains,
            },
            context: { actor: meta.actor, now: meta.now },
          },
          meta,
        ),
    });
  }

  @Post(':id/domains')
  @HttpCode(200)
  @ApiOperation({
    summary: "Replace the agreement's domains of cooperation",
    description:
      "The secretariat (or admin) replaces the agreement's list of domains. Commitments already proposed keep the domain " +
      'they have; new proposals and revisions must name one of the new list.',
  })
  @ApiCommand({ creates: false })
  async amendDomains(
    @Param('id', uuid) agreementId: string,
    @Body() body: AmendDomainsDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.gateway.send(request, reply, principal, {
      creates: false,
      aggregateId: agreementId,
      message: (meta) =>
        new AgreementCommandMessage(
          {
            type: 'AmendAgreementDomains',
            data: { agreementId, domains: body.domains },
            context: { actor: meta.actor, now: meta.now },
          },
          meta,
        ),
    });
  }
}
