import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../pipeline/idempotency.service';
import { ProblemException } from './problem';

/** Where the console is served: the single-page app built by `npm ci` (scripts/build.js, Vite). */
export const CONSOLE_PATH = '/console';

/**
 * The console's pages and scripts come from this origin only; the API it calls is this origin
 * too. Inline style attributes are allowed (the charts set them), inline scripts are not.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** dist/console beside the compiled API, found from this file (dist/apps/api/src/http or apps/api/src/http). */
export function builtConsoleDirectory(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
    if (dirname(dir) === dir) return join(from, 'console');
  }
}

function problem(reply: FastifyReply, error: ProblemException, instance: string): void {
  void reply.code(error.status).header('content-type', PROBLEM_CONTENT_TYPE).send(error.toProblem(instance));
}

/**
 * Serves the console at /console: its hashed assets cached for good, its page never cached,
 * and any other path under /console answered with the page so that a bookmarked view opens
 * (the app routes it). No key is needed to load the page; every call it makes needs one.
 */
export async function serveConsole(app: NestFastifyApplication, root = builtConsoleDirectory()): Promise<void> {
  const built = existsSync(join(root, 'index.html'));
  await app.register(
    async (scope: FastifyInstance) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        void reply.header('x-content-type-options', 'nosniff');
        void reply.header('referrer-policy', 'no-referrer');
        return payload;
      });
      if (!built) {
        scope.get('/*', (request, reply) =>
          problem(
            reply,
            new ProblemException(503, 'SERVICE_UNAVAILABLE', `The console is not built at ${root}: run npm run build`),
            request.url,
          ),
        );
        scope.get('/', (request, reply) => reply.redirect(`${CONSOLE_PATH}/`));
        return;
      }
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        redirect: true,
        wildcard: true,
        index: ['index.html'],
        cacheControl: false,
        setHeaders(response, path) {
          response.setHeader(
            'cache-control',
            path.includes(`${join('console', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
      scope.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0];
        // A missing asset is a 404; any other path is a view of the app.
        if (request.method !== 'GET' || /\/assets\/|\.[a-z0-9]+$/i.test(path)) {
          return problem(reply, new ProblemException(404, 'NOT_FOUND', `No such file: ${path}`), request.url);
        }
        void reply.header('cache-control', 'no-cache');
        return reply.type('text/html; charset=utf-8').sendFile('index.html');
      });
    },
    { prefix: CONSOLE_PATH },
  );
}
