import { agreementIdOf, agreementStreamId, commitmentIdOf, commitmentStreamId } from './stream-ids';

const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('stream ids', () => {
  it('names an agreement stream and a commitment stream by their prefix and id', () => {
    expect(agreementStreamId(id)).toBe(`agreement-${id}`);
    expect(commitmentStreamId(id)).toBe(`commitment-${id}`);
  });

  it('parses back the id of a stream of its own kind only', () => {
    expect(agreementIdOf(agreementStreamId(id))).toBe(id);
    expect(commitmentIdOf(commitmentStreamId(id))).toBe(id);
    expect(agreementIdOf(commitmentStreamId(id))).toBeUndefined();
    expect(commitmentIdOf(agreementStreamId(id))).toBeUndefined();
    expect(commitmentIdOf(`session-${id}`)).toBeUndefined();
    // The prefix must start the name, not appear in it.
    expect(commitmentIdOf(`x-commitment-${id}`)).toBeUndefined();
  });
});
