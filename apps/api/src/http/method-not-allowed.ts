import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The routes of each application, by path pattern, as they are registered. */
const tables = new WeakMap<FastifyInstance, { method: string; path: RegExp }[]>();

/**
 * Records every route of `fastify` as it is registered, so that a request for a known path
 * with a method it does not take can be answered 405 with `Allow` (RFC 9110 §15.5.6) rather
 * than 404. Call before the application registers its routes.
 */
export function trackRoutes(fastify: FastifyInstance): void {
  const routes: { method: string; path: RegExp }[] = [];
  tables.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = route.url
      .split('/')
      .map((part) =>
        part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    for (const method of methods)
      routes.push({ method: String(method).toUpperCase(), path: new RegExp(`^${pattern}/?$`) });
  });
}

/** The methods the request's path takes, when it matched no route: what `Allow` lists (empty: an unknown path). */
export function allowedMethods(request: FastifyRequest): string[] {
  if (request.routeOptions?.url !== undefined) return [];
  const routes = tables.get(request.server) ?? [];
  const path = request.url.split('?')[0];
  return [...new Set(routes.filter((route) => route.path.test(path)).map((route) => route.method))].sort();
}
