import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { allowedMethods } from './method-not-allowed';
import { ProblemException } from './problem';
import { toProblemException } from './problem-mapping';

const logger = new Logger('Problem');

/** How long a client is told to wait before retrying a 503 (the read models catch up in that). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Sends any error as application/problem+json, with the headers its status requires: a 401
 * names the scheme to authenticate with (RFC 9110 §11.6.1, RFC 6750 §3), a 503 when to retry
 * (RFC 9110 §10.2.3). Logs only what is ours: a 5xx, and a 503 (the store closing, a read model
 * behind `?after=`) only as a warning, since the client is told to retry.
 */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let problem = toProblemException(error);
  if (problem.status === 404) {
    // A known path asked with a method it does not take (RFC 9110 §15.5.6).
    const allowed = allowedMethods(request);
    if (allowed.length > 0) {
      problem = new ProblemException(
        405,
        'METHOD_NOT_ALLOWED',
        `${request.method} is not allowed here; use ${allowed.join(', ')}`,
      );
      void reply.header('allow', allowed.join(', '));
    }
  }
  if (problem.status === 503) logger.warn({ url: request.url, detail: problem.message }, 'service unavailable');
  else if (problem.status >= 500) logger.error({ err: error, url: request.url }, 'request failed');
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer realm="accord"');
  if (problem.status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  void reply
    .status(problem.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(JSON.stringify(problem.toProblem(request.url)));
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
