import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, Command } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import type { Principal } from '../auth/principal';
import { ProblemException } from '../http/problem';
import { CommandResponse, Idempotency, JSON_CONTENT_TYPE } from './idempotency.service';
import type { CommandMeta, IfMatch, CommandOutcome } from './command-runner';
import { commandOutcomeOf } from '../observability/command-outcome';
import { Metrics, type CommandOutcomeLabel } from '../observability/metrics';
import { withCommandType } from '../observability/tracing';

/** Namespace for ids derived from (principal, Idempotency-Key) and from creations. */
const COMMAND_ID_NAMESPACE = 'b3a4c1e2-5d6f-4a7b-8c9d-0e1f2a3b4c5d';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CommandSpec {
  /** 201 on success instead of 200. */
  readonly creates: boolean;
  /** The id of the agreement or commitment the command addresses (the response's `id`). */
  readonly aggregateId: string;
  readonly message: (meta: CommandMeta) => Command<CommandOutcome>;
  /** Fields the success body carries besides the usual ones (an agenda item's `itemId`); they never replace those. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The success body of every command (docs: OpenAPI `CommandAccepted`). */
export interface CommandAcceptedBody {
  id: string;
  revision: number;
  position: number;
  events: { type: string; revision: number }[];
}

export const IDEMPOTENCY = Symbol('IDEMPOTENCY');

/** From HTTP to the CommandBus and back: headers to metadata, outcome to the response. */
@Injectable()
export class CommandGateway {
  constructor(
    private readonly bus: CommandBus,
    @Inject(IDEMPOTENCY) private readonly idempotency: Idempotency,
    private readonly metrics: Metrics,
  ) {}

  /** The id a creation gets when the client sends none: stable under an Idempotency-Key. */
  newAggregateId(request: FastifyRequest, principal: Principal): string {
    const key = idempotencyKeyOf(request);
    return key ? uuidv5(`${principal.id}\n${key}\nid`, COMMAND_ID_NAMESPACE) : randomUUID();
  }

  async send(request: FastifyRequest, reply: FastifyReply, principal: Principal, spec: CommandSpec): Promise<void> {
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const header = request.headers['x-correlation-id'];
    if (header !== undefined && (typeof header !== 'string' || !CORRELATION_ID.test(header))) {
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        'X-Correlation-Id must be 1-128 characters of A-Z a-z 0-9 . _ : -',
      );
    }
    const correlationId = header ?? randomUUID();
    const key = idempotencyKeyOf(request);
    const commandId = key
      ? uuidv5(`${principal.id}\n${key}`, COMMAND_ID_NAMESPACE)
      : spec.creates
        ? uuidv5(`${principal.id}\ncreate\n${spec.aggregateId}`, COMMAND_ID_NAMESPACE)
        : randomUUID();
    const meta: CommandMeta = {
      commandId,
      correlationId,
      causationId: commandId,
      actor: { id: principal.id, role: principal.role, party: principal.party ?? undefined },
      now: new Date().toISOString(),
      ifMatch,
      creates: spec.creates,
    };
    // Before the command runs, so that a refusal carries it too; a replay carries its own request's.
    void reply.header('x-correlation-id', correlationId);
    // RFC 9110 §15.3.2: a 201 names what it created (POST /commitments → /commitments/{id}).
    const location = spec.creates ? `${collectionOf(request)}/${spec.aggregateId}` : null;
    // Built once, before the idempotency check, so that a replay is counted under its type too.
    const message = spec.message(meta);
    const type = (message as { command?: { type?: unknown } }).command?.type;
    const commandType = typeof type === 'string' ? type : 'unknown';
    const execute = async (): Promise<CommandResponse> => {
      const outcome = await withCommandType(commandType, () => this.bus.execute(message));
      const body: CommandAcceptedBody = {
        ...spec.extra,
        id: spec.aggregateId,
        revision: outcome.revision,
        position: outcome.position,
        events: outcome.events.map((e) => ({ type: e.type, revision: e.revision })),
      };
      return {
        status: spec.creates ? 201 : 200,
        body: JSON.stringify(body),
        contentType: JSON_CONTENT_TYPE,
        etag: `"${outcome.revision}"`,
        location,
        replayed: outcome.repeated,
      };
    };
    let response: CommandResponse;
    try {
      response = key
        ? await this.idempotency.run(
            principal,
            key,
            Idempotency.requestHash(request.method, routeOf(request), spec.aggregateId, request.body),
            execute,
            request.url,
          )
        : await execute();
    } catch (error) {
      // accord_commands_total: a refusal or conflict by its problem code (observability/).
      const { outcome, code } = commandOutcomeOf(error);
      this.metrics.countCommand(commandType, outcome, code);
      throw error;
    }
    // A refusal under an Idempotency-Key comes back as the problem answer it keeps.
    if (response.replayed) this.metrics.countCommand(commandType, 'idempotent_replay');
    else if (response.status >= 400) {
      if (this.metrics.enabled) this.metrics.countCommand(commandType, ...keptOutcomeOf(response));
    } else this.metrics.countCommand(commandType, 'acknowledged');
    // A replay sends the first answer's status, bytes and headers (a record kept before
    // locations were names the created resource as this request would).
    void reply.status(response.status).header('content-type', response.contentType);
    if (response.etag) void reply.header('etag', response.etag);
    const created = response.location ?? (response.status === 201 ? location : null);
    if (created) void reply.header('location', created);
    // As Stripe and the IETF idempotency-key draft's implementers do: this answer is an
    // earlier request's, and nothing was appended now.
    if (response.replayed) void reply.header('idempotent-replayed', 'true');
    void reply.send(response.body);
  }
}

/** The outcome of a problem answer kept under an Idempotency-Key, by its status and code. */
function keptOutcomeOf(response: CommandResponse): [CommandOutcomeLabel, string] {
  let code = 'INTERNAL';
  try {
    code = String((JSON.parse(response.body) as { code?: unknown }).code ?? code);
  } catch {
    // a problem body is JSON; anything else is counted as INTERNAL
  }
  const outcome =
    response.status === 409 || response.status === 412 ? 'conflict' : response.status < 500 ? 'refused' : 'failed';
  return [outcome, code];
}

/** The collection a creation was posted to: the request's path, without its query or a trailing slash. */
function collectionOf(request: FastifyRequest): string {
  return request.url.split('?')[0].replace(/\/+$/, '');
}

/** The route's pattern (`/commitments/:id/revise`), not the URL as sent. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?')[0];
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !Idempotency.validKey(key)) {
    throw new ProblemException(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  return key;
}

/**
 * `If-Match` by RFC 9110 §13.1.1: `*`, or a list of entity tags compared strongly. The API's
 * ETags are strong (`"3"` is revision 3), so a weak tag (`W/"3"`) never matches and is left
 * out of the list; a list of weak tags only is a precondition that always fails. A bare
 * number (`3`) is taken as `"3"`, as this API always has. Anything else is refused (400).
 */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header.trim() : undefined;
  if (text === '*') return '*';
  const tags = text === undefined || text === '' ? [] : text.split(',').map((tag) => IF_MATCH_TAG.exec(tag.trim()));
  if (tags.length === 0 || tags.some((tag) => tag === null)) {
    throw new ProblemException(400, 'VALIDATION_FAILED', 'If-Match must be an ETag this API gave, such as "3"', {
      errors: [{ field: 'If-Match', messages: ['must be * or revisions in quotes, such as "3" or "3", "4"'] }],
    });
  }
  return tags.filter((tag) => tag![1] === undefined).map((tag) => Number(tag![2]));
}

/** One entity tag of an If-Match list: `"3"`, `W/"3"` (weak) or a bare `3`. */
const IF_MATCH_TAG = /^(W\/)?"?(-?\d{1,15})"?$/;
