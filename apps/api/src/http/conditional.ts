import type { FastifyReply } from 'fastify';

/**
 * `If-None-Match` on reads, by RFC 9110 §13.1.2: `*` matches any current representation, and
 * otherwise the list matches when one of its entity tags equals `etag` by weak comparison
 * (`W/"3"` and `"3"` are the same tag). A match answers 304 Not Modified.
 */
export function ifNoneMatchMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text.trim() === '*') return true;
  const opaque = weakless(etag);
  return text.split(',').some((tag) => weakless(tag.trim()) === opaque);
}

const weakless = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * A read's answer with its ETag (its revision): the view, or nothing with 304 when the
 * request's If-None-Match names it.
 */
export function withEtag<V extends { revision: number }>(
  reply: FastifyReply,
  ifNoneMatch: string | undefined,
  view: V,
): V | undefined {
  const etag = `"${view.revision}"`;
  void reply.header('etag', etag);
  if (!ifNoneMatchMatches(ifNoneMatch, etag)) return view;
  void reply.status(304);
  return undefined;
}
