import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ApiCommonErrors, ApiProblem } from '../http/api-docs.decorators';
import { uuid } from '../http/uuid';
import {
  CreatedSubscriptionDto,
  CreateSubscriptionDto,
  DeliveryListDto,
  ReplayDto,
  SubscriptionDto,
  SubscriptionListDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook subscriptions: an admin's over any events, an integration's over its own party's.
 * Delivery runs on the instance with the workers; any instance manages subscriptions.
 */
@ApiTags('webhooks')
@Controller('subscriptions')
@Roles('integration')
@ApiCommonErrors()
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Subscribe a URL to matching events',
    description:
      'Matching events are POSTed to the URL in log order, at least once, as CloudEvents JSON ' +
      '(application/cloudevents+json), signed by the Standard Webhooks scheme (webhook-id, webhook-timestamp, ' +
      "webhook-signature). An integration key's subscription is always filtered to its own party (another party " +
      'is 403). The secret is in this answer only (admin or integration).',
  })
  @ApiCreatedResponse({ type: CreatedSubscriptionDto })
  @ApiProblem(
    400,
    'VALIDATION_FAILED, or WEBHOOK_TARGET_REFUSED: not http(s), or a private, loopback or link-local address',
  )
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSubscriptionDto,
  ): Promise<CreatedSubscriptionDto> {
    return this.webhooks.create(principal, {
      url: body.url,
      secret: body.secret,
      filter: body.filter,
      from: body.from,
    }) as Promise<CreatedSubscriptionDto>;
  }

  @Get()
  @ApiOperation({
    summary: 'List the subscriptions',
    description: "Every subscription (an integration's own party's only), oldest first.",
  })
  @ApiOkResponse({ type: SubscriptionListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<SubscriptionListDto> {
    return { items: (await this.webhooks.list(principal)) as SubscriptionDto[] };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'A subscription: its state, checkpoint, lag and last error',
    description:
      'Its state (active, paused, parked), the position of the last event handled, the lag behind the end of ' +
      'the log, the last error and the attempts made; never its secret.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SubscriptionDto> {
    return this.webhooks.get(principal, id) as Promise<SubscriptionDto>;
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "A subscription's last 100 delivery attempts, newest first",
    description:
      'Each attempt with its webhook-id (the same for every attempt at one event), the event and its position, ' +
      'the attempt number, the status or the error, and how long it took.',
  })
  @ApiOkResponse({ type: DeliveryListDto })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  async deliveries(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<DeliveryListDto> {
    const items = await this.webhooks.deliveries(principal, id);
    return { items: items.map(({ seq: _seq, ...rest }) => rest) };
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pause delivery',
    description: 'Nothing is sent until it is resumed; the checkpoint stays.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  pause(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SubscriptionDto> {
    return this.webhooks.pause(principal, id) as Promise<SubscriptionDto>;
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a paused or parked subscription',
    description: 'Its failures are forgotten and delivery starts again from the checkpoint.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  resume(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SubscriptionDto> {
    return this.webhooks.resume(principal, id) as Promise<SubscriptionDto>;
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deliver again from a position',
    description:
      'Moves the checkpoint so that the events at and after `from` are delivered again (same webhook-ids), and resumes.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() body: ReplayDto,
  ): Promise<SubscriptionDto> {
    return this.webhooks.replay(principal, id, body.from) as Promise<SubscriptionDto>;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription', description: 'Delivery stops; its attempts are forgotten.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, 'NOT_FOUND: no such subscription (or another party’s)')
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.webhooks.remove(principal, id);
  }
}
