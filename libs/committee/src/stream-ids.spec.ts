import { sessionIdOf, sessionStreamId } from './stream-ids';

const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('session stream ids', () => {
  it('names a session stream and parses its id back, for session streams only', () => {
    expect(sessionStreamId(id)).toBe(`session-${id}`);
    expect(sessionIdOf(sessionStreamId(id))).toBe(id);
    expect(sessionIdOf(`commitment-${id}`)).toBeUndefined();
    expect(sessionIdOf(`a-session-${id}`)).toBeUndefined();
  });
});
