/** The names of session streams, defined once (see @accord/commitments' stream-ids for the others). */
const SESSION = 'session-';

/** The stream of a committee session. */
export const sessionStreamId = (sessionId: string): string => `${SESSION}${sessionId}`;

/** The session id a stream belongs to, or undefined when it is not a session's stream. */
export const sessionIdOf = (streamId: string): string | undefined =>
  streamId.startsWith(SESSION) ? streamId.slice(SESSION.length) : undefined;
