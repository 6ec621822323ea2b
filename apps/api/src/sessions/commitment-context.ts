import { commitmentContextOf, type CommitmentContext } from '@accord/committee';
import { commitmentDecider, commitmentStreamId, fold, type CommitmentEvent } from '@accord/commitments';
import { readStreamAs, type EventStore } from '@accord/event-store';

/** What an agenda item needs of a commitment, folded from its stream; NotFoundError when it does not exist. */
export async function readCommitmentContext(store: EventStore, commitmentId: string): Promise<CommitmentContext> {
  const events = await readStreamAs<CommitmentEvent>(store, commitmentStreamId(commitmentId));
  return commitmentContextOf(fold(commitmentDecider, events), commitmentId);
}
