import { timingSafeEqual, createHash } from 'node:crypto';
import { context, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem';
import { PROBLEM_CONTENT_TYPE } from '../pipeline/idempotency.service';
import type { Metrics } from './metrics';
import { endServerSpan, requestContext, startServerSpan, tracingEnabled } from './tracing';

/** A request that matched no route is counted under this, never under its raw URL (ids, probes). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route's pattern (`/commitments/:id/progress`), or `unmatched`. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? UNMATCHED_ROUTE;
}

type Observer = { observe(seconds: number): void };

/**
 * Fastify hooks, added before the application's routes: a duration per request
 * (accord_http_request_duration_seconds, from Fastify's own start time, so no hook at the
 * start is needed for it) when metrics are on, and a server span per request when tracing
 * is on, made the active context for the rest of the request so that the command and its
 * append are its children. Neither is added when off.
 */
export function observeHttp(fastify: FastifyInstance, metrics: Metrics): void {
  if (metrics.enabled) {
    // One child a (method, route, status): prom-client would hash the labels on every observation.
    const children = new Map<string, Observer>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = routeOf(request);
      const status = reply.statusCode;
      const key = `${request.method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) children.set(key, (child = metrics.httpDuration.labels(request.method, route, String(status))));
      child.observe(reply.elapsedTime / 1000);
      done();
    });
  }
  if (tracingEnabled()) {
    const spans = new WeakMap<FastifyRequest, Span>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      const parent = requestContext(request.headers);
      const span = startServerSpan(request.method, routeOf(request), request.url.split('?')[0], parent);
      spans.set(request, span);
      done();
    });
    // After the body is parsed (its stream's events run in the connection's context, not
    // the request's): the handler runs inside this call, so the command and its append
    // inherit the span as their parent.
    fastify.addHook('preHandler', (request, _reply, done) => {
      const span = spans.get(request);
      if (!span) return done();
      context.with(trace.setSpan(context.active(), span), done);
    });
    const end = (request: FastifyRequest, reply: FastifyReply) => {
      const span = spans.get(request);
      if (!span) return;
      spans.delete(request);
      endServerSpan(span, reply.statusCode);
    };
    fastify.addHook('onResponse', (request, reply, done) => {
      end(request, reply);
      done();
    });
    fastify.addHook('onRequestAbort', (request, done) => {
      const span = spans.get(request);
      if (span) {
        span.setAttribute('http.request.aborted', true);
        spans.delete(request);
        span.end();
      }
      done();
    });
  }
}

/** The bearer token /metrics takes, compared in constant time (both sides hashed to one length). */
function tokenMatches(header: unknown, token: string): boolean {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * GET /metrics on the API's port, behind ACCORD_METRICS_TOKEN (401 UNAUTHENTICATED without
 * it or with another). Not registered at all without a token: then /metrics is 404, like
 * any path the API does not serve. Prometheus sends `Authorization: Bearer <token>` with
 * `authorization: { credentials: ... }` in its scrape config.
 */
export function serveMetricsRoute(fastify: FastifyInstance, metrics: Metrics, token: string): void {
  fastify.get('/metrics', async (request, reply) => {
    if (!tokenMatches(request.headers.authorization, token)) {
      const problem = new ProblemException(
        401,
        'UNAUTHENTICATED',
        'Send the metrics token as "Authorization: Bearer <token>"',
      );
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send(problem.toProblem('/metrics'));
    }
    const text = await metrics.text();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}
