import {
  commitmentDecider,
  fold,
  initialCommitmentState,
  NotFoundError,
  type CommitmentEvent,
} from '@accord/commitments';
import { commitmentContextOf } from './commitment.context';

describe('commitmentContextOf', () => {
  it('takes from a folded commitment what an agenda decision needs', () => {
    const history: CommitmentEvent[] = [
      {
        type: 'CommitmentProposed',
        data: {
          commitmentId: 'c-1',
          agreementId: 'ma-qa-2014',
          title: 'Joint cybercrime training',
          description: '',
          domain: 'cybercrime',
          leadAgencies: ['DGSN'],
          dueDate: '2025-06-30',
          priority: 'normal',
          proposingParty: 'MA',
        },
      },
      { type: 'CommitmentPlacedOnAgenda', data: { commitmentId: 'c-1', sessionId: 's-1', itemId: 'i-1' } },
    ];
    expect(commitmentContextOf(fold(commitmentDecider, history), 'c-1')).toEqual({
      commitmentId: 'c-1',
      agreementId: 'ma-qa-2014',
      status: 'under_review',
      dueDate: '2025-06-30',
      agenda: { sessionId: 's-1', itemId: 'i-1' },
      owner: 'MA',
    });
  });

  it('is NotFound for a commitment never proposed', () => {
    expect(() => commitmentContextOf(initialCommitmentState, 'c-9')).toThrow(NotFoundError);
  });
});
