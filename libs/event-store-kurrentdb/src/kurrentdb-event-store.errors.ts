import { EventStoreError } from '@accord/event-store';

/**
 * - `STORE_UNAVAILABLE`: the server could not be reached or did not answer in time; the
 *   request may be retried (an append is then safe to repeat: it is idempotent).
 * - `ACCESS_DENIED`: the connection's user may not do this (accord needs to read `$all`).
 * - `STREAM_DELETED`: the stream was deleted or tombstoned outside accord.
 * - `INVALID_CONNECTION_STRING`: the URL cannot be parsed by the client.
 * - `UNEXPECTED_RESPONSE`: the server answered something the KurrentDB contract rules out.
 * - `KURRENTDB_ERROR`: any other failure reported by the client.
 */
export type KurrentDbErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'STREAM_DELETED'
  | 'INVALID_CONNECTION_STRING'
  | 'UNEXPECTED_RESPONSE'
  | 'KURRENTDB_ERROR';

/** A failure of the KurrentDB adapter that is not one of the port's own errors; `cause` is the client's error. */
export class KurrentDbError extends EventStoreError {
  constructor(
    readonly code: KurrentDbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KurrentDbError';
  }
}
