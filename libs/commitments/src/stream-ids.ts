/**
 * The names of the streams, defined once. A stream holds one aggregate's events: the id is
 * the aggregate's UUID after a prefix that names its kind. Renaming one of these would orphan
 * every stream already written, so the prefixes are part of the log's format.
 */
const AGREEMENT = 'agreement-';
const COMMITMENT = 'commitment-';

/** The stream of an agreement. */
export const agreementStreamId = (agreementId: string): string => `${AGREEMENT}${agreementId}`;

/** The stream of a commitment. */
export const commitmentStreamId = (commitmentId: string): string => `${COMMITMENT}${commitmentId}`;

/** The agreement id a stream belongs to, or undefined when it is not an agreement's stream. */
export const agreementIdOf = (streamId: string): string | undefined =>
  streamId.startsWith(AGREEMENT) ? streamId.slice(AGREEMENT.length) : undefined;

/** The commitment id a stream belongs to, or undefined when it is not a commitment's stream. */
export const commitmentIdOf = (streamId: string): string | undefined =>
  streamId.startsWith(COMMITMENT) ? streamId.slice(COMMITMENT.length) : undefined;
