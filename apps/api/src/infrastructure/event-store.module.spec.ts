import { storeWarnings } from './event-store.module';

describe('storeWarnings', () => {
  it('warns at start that the KurrentDB adapter has never met a real server, with the command that would', () => {
    const [warning, ...more] = storeWarnings('kurrentdb://node1:2113?tls=false');
    expect(more).toEqual([]);
    expect(warning).toContain('only against an in-process stand-in');
    expect(warning).toContain('npm run test:kurrentdb');
  });

  it('says nothing for the stores that run here', () => {
    for (const url of ['sqlite:./data/accord.db', 'postgres://localhost/accord', 'memory:', undefined]) {
      expect(storeWarnings(url)).toEqual([]);
    }
  });
});
