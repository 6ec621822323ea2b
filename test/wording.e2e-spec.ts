import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MOROCCO_QATAR, startTestApp } from './support/test-app';

const run = promisify(execFile);
const ACCORD = join(__dirname, '..', 'bin', 'accord.js');

/**
 * Counts and roles in the messages people read (issue 15): "1 event in 1 stream", not
 * "1 events in 1 streams"; "An auditor key", not "A auditor key". The words come from one
 * helper (@accord/commitments wording.ts, with its own spec); this is what a person sees.
 */
describe('the words of a message with one of something, and of a role starting with a vowel', () => {
  it('says "1 event in 1 stream" in accord audit verify, and "An auditor key" in a 403', async () => {
    const t = await startTestApp();
    try {
      const secretariat = await t.createKey('secretariat');
      const auditor = await t.createKey('auditor');
      expect((await t.post('/agreements', MOROCCO_QATAR, secretariat)).statusCode).toBe(201);
      const refused = await t.post('/agreements', { ...MOROCCO_QATAR, title: 'Another' }, auditor);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().detail).toBe('An auditor key may not do this (allowed: secretariat)');
      expect(await t.log()).toHaveLength(1);

      const { stdout } = await run(process.execPath, [ACCORD, 'audit', 'verify'], {
        env: { ...process.env, ACCORD_STORE: t.storeUrl },
      });
      expect(stdout).toMatch(/^intact: 1 event in 1 stream verified in [\d.]+ s \(/);
    } finally {
      await t.close();
    }
  });
});
