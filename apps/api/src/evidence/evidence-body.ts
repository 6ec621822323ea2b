import type { FastifyInstance } from 'fastify';
import { ProblemException } from '../http/problem';

/** ACCORD_EVIDENCE_MAX_BYTES by default: 20 MiB. */
export const DEFAULT_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024;

/**
 * The media types an evidence file may be uploaded (and is served) as: documents, images,
 * text, archives, and application/octet-stream for anything else. No HTML or SVG: served back
 * from the API's origin they could run script (the answer is also an attachment, with nosniff).
 */
export const EVIDENCE_MEDIA_TYPES = [
  'application/pdf',
  'application/octet-stream',
  'application/zip',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
  'text/csv',
] as const;

const UPLOAD_ROUTE = '/evidence';

/**
 * The raw body of `POST /evidence`, as a Buffer, for the evidence media types. Read here rather
 * than with Fastify's `parseAs: 'buffer'` so that a body over the limit is 413
 * EVIDENCE_TOO_LARGE (not the commands' PAYLOAD_TOO_LARGE) and reading stops at the limit. On
 * any other route these types stay what they were: 415, as commands are JSON only.
 */
export function acceptEvidenceBodies(fastify: FastifyInstance, maxBytes: number): void {
  fastify.addContentTypeParser([...EVIDENCE_MEDIA_TYPES], (request, payload, done) => {
    if (request.routeOptions.url !== UPLOAD_ROUTE || request.method !== 'POST') {
      return done(
        new ProblemException(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `Unsupported Media Type: ${request.headers['content-type']}`,
        ),
      );
    }
    const tooLarge = () =>
      new ProblemException(413, 'EVIDENCE_TOO_LARGE', `Evidence files are at most ${maxBytes} bytes`, { maxBytes });
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      payload.resume(); // drain, so that the answer reaches the client
      return done(tooLarge());
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let finished = false;
    const finish = (error: Error | null, body?: Buffer) => {
      if (finished) return;
      finished = true;
      payload.off('data', onData);
      done(error, body);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        chunks.length = 0;
        payload.resume();
        return finish(tooLarge());
      }
      chunks.push(chunk);
    };
    payload.on('data', onData);
    payload.on('end', () => finish(null, Buffer.concat(chunks, received)));
    payload.on('error', (error) => finish(error));
  });
}
