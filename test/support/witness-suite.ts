import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Refusal } from '@accord/log-tree';
import { consistencyProofFailure } from '@accord/merkle';
import { generateKey, openCheckpoint, parseVerifierKey } from '@accord/signed-note';
import type { InjectOptions } from 'fastify';
import { Workers } from '../../apps/api/src/workers/workers.module';
import { ADMIN_KEY, MOROCCO_QATAR, startTestApp, type TestApp } from './test-app';

const ACCORD = join(__dirname, '..', '..', 'bin', 'accord.js');
const b64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** What the operator, holding the database, can do behind the API's back. */
export interface OperatorDatabase {
  /** Rewrites the data of the event at `position`. */
  rewriteEvent(position: number, data: string): Promise<void>;
  /** Deletes every event after `position`. */
  deleteEventsAfter(position: number): Promise<void>;
  /** Forgets every checkpoint it signed and the cosignatures kept with them, so the API signs whatever tree it has. */
  forgetCheckpoints(): Promise<void>;
  close(): Promise<void>;
}

export interface WitnessStore {
  /** A store URL for a new app in `dir`. */
  url(dir: string): string;
  /** The operator's own hands on that store. */
  open(url: string): Promise<OperatorDatabase>;
  /** Drops what `url` made (a PostgreSQL schema); a SQLite file goes with its directory. */
  dispose(url: string): Promise<void>;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `accord …` in a child process: the party's own machine. */
function accord(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ACCORD, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The app in this process, served over HTTP for the CLI: each request goes through
 * TestApp.request, so every answer the witnesses get is checked against the OpenAPI document.
 */
async function serve(app: () => TestApp): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept'])
        if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
      app()
        .request({
          method: req.method as InjectOptions['method'],
          url: req.url ?? '/',
          headers,
          payload: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        })
        .then(
          (answer) => {
            const type = answer.headers['content-type'];
            res.writeHead(answer.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
            res.end(answer.rawPayload);
          },
          (error: Error) => {
            res.writeHead(599, { 'content-type': 'text/plain' });
            res.end(error.message);
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface CheckpointView {
  treeSize: number;
  rootHash: string;
  note: string;
  cosignatures: { witness: string; party: string }[];
  agreements: { agreementId: string; parties: string[]; cosignedBy: string[]; cosignedByAll: boolean }[];
}

/**
 * Issue 16, point 4, end to end: MA's and QA's witnesses, each a CLI run with its own key and
 * state file, cosign a growing log; then the operator rewrites its database (an event changed,
 * events deleted, the tree rebuilt, its checkpoints forgotten) and signs the new tree, and
 * each witness refuses with exit 4 and the evidence.
 */
export function describeWitnessSuite(name: string, store: WitnessStore): void {
  describe(`accord witness against the API on ${name}`, () => {
    let dir: string;
    let url: string;
    let t: TestApp;
    let server: Server;
    let api: string;
    let operator: OperatorDatabase;
    let agreementId: string;
    let ma: string;
    let qa: string;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'accord-witness-e2e-'));
      url = store.url(dir);
      t = await startTestApp({ dir, storeUrl: url });
      ({ url: api, server } = await serve(() => t));
      operator = await store.open(url);
      ma = await t.createKey('integration', 'MA');
      qa = await t.createKey('delegate', 'QA');
      const secretariat = await t.createKey('secretariat');
      const agreement = await t.post('/agreements', MOROCCO_QATAR, secretariat);
      expect(agreement.statusCode).toBe(201);
      agreementId = agreement.json().id;
    });

    afterEach(async () => {
      await operator.close();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
      await store.dispose(url);
      rmSync(dir, { recursive: true, force: true });
    });

    /** MA proposes `n` commitments: the log grows. */
    const grow = async (n: number, tag = 'C') => {
      for (let i = 0; i < n; i++) {
        const r = await t.post(
          '/commitments',
          { agreementId, title: `${tag}${i}`, description: 'd', domain: 'cybercrime', leadAgencies: ['DGSN'] },
          ma,
        );
        expect(r.statusCode).toBe(201);
      }
    };
    const checkpoint = async (): Promise<CheckpointView> => {
      const response = await t.post('/audit/checkpoints', {}, ADMIN_KEY);
      expect(response.statusCode).toBe(201);
      return response.json();
    };
    const latest = async (): Promise<CheckpointView> =>
      (await t.request({ method: 'GET', url: '/audit/checkpoint', key: ma })).json();
    const logKey = async (): Promise<string> =>
      (await t.request({ method: 'GET', url: '/audit/log-key', key: qa })).json().verifierKey;

    const keygen = async (party: string) => {
      const file = join(dir, `${party.toLowerCase()}.key`);
      const made = await accord([
        'witness',
        'keygen',
        '--name',
        `${party.toLowerCase()}-witness`,
        '--out',
        file,
        '--json',
      ]);
      expect(made).toMatchObject({ code: 0, stderr: '' });
      const key = JSON.parse(made.stdout) as { name: string; verifierKey: string; keyFile: string };
      expect(key.keyFile).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // Never over an existing key.
      expect((await accord(['witness', 'keygen', '--name', 'again', '--out', file])).code).toBe(2);
      return { ...key, state: join(dir, `${party.toLowerCase()}-state.json`) };
    };
    type Witness = Awaited<ReturnType<typeof keygen>>;

    const cosign = (witness: Witness, apiKey: string, extra: string[] = []) =>
      accord(['witness', 'cosign', '--url', api, '--key', witness.keyFile, '--state', witness.state, ...extra], {
        ACCORD_API_KEY: apiKey,
      });
    const cosignJson = async (witness: Witness, apiKey: string, extra: string[] = []) => {
      const run = await cosign(witness, apiKey, [...extra, '--json']);
      return { ...run, outcome: JSON.parse(run.stdout) as Record<string, unknown> & { refusal?: Refusal } };
    };

    /** Both witnesses, made and registered (MA's by the CLI, QA's by the admin's POST), and a first checkpoint both cosigned. */
    const witnesses = async () => {
      const maWitness = await keygen('MA');
      const qaWitness = await keygen('QA');
      const registered = await accord(
        ['witness', 'register', '--url', api, '--party', 'MA', '--key', maWitness.keyFile, '--json'],
        { ACCORD_API_KEY: ADMIN_KEY },
      );
      expect(registered.code).toBe(0);
      expect(JSON.parse(registered.stdout)).toMatchObject({ party: 'MA', name: 'ma-witness' });
      expect(
        (await t.post('/admin/witnesses', { party: 'QA', verifierKey: qaWitness.verifierKey }, ADMIN_KEY)).statusCode,
      ).toBe(201);
      return { maWitness, qaWitness };
    };

    it('cosigns checkpoint after checkpoint as the log grows, till the API shows each cosigned by every party', async () => {
      const maWitness = await keygen('MA');
      const qaWitness = await keygen('QA');
      // Before any checkpoint: nothing to cosign, but MA's first run pins the log key it is served.
      const early = await cosign(maWitness, ma);
      expect(early).toMatchObject({ code: 0, stdout: 'No checkpoint yet: nothing to cosign.\n' });
      expect(early.stderr).toContain(`Trust on first use: pinned the log key served by GET /audit/log-key`);
      expect(early.stderr).toContain(await logKey());

      await grow(3);
      let cp = await checkpoint();
      // MA's witness is not registered yet: the API refuses its line (exit 1), which the state keeps.
      const unregistered = await cosign(maWitness, ma);
      expect(unregistered.code).toBe(1);
      expect(unregistered.stderr).toMatch(
        /answered 422 RULE_VIOLATED: No witness key ma-witness\+[0-9a-f]{8} is registered/,
      );
      expect(unregistered.stderr).toContain('Register the key first');
      const registered = await accord(
        ['witness', 'register', '--url', api, '--party', 'MA', '--key', maWitness.keyFile],
        { ACCORD_API_KEY: ADMIN_KEY },
      );
      expect(registered).toMatchObject({ code: 0 });
      expect(registered.stdout).toMatch(/^Registered ma-witness \(key ID [0-9a-f]{8}\) as MA's witness/);
      expect(
        (await t.post('/admin/witnesses', { party: 'QA', verifierKey: qaWitness.verifierKey }, ADMIN_KEY)).statusCode,
      ).toBe(201);
      // Registering grew the log, but the latest checkpoint is still cp: MA posts the line it kept.
      const reposted = await cosignJson(maWitness, ma);
      expect(reposted).toMatchObject({ code: 0 });
      expect(reposted.outcome).toMatchObject({ result: 'already-cosigned', treeSize: cp.treeSize, posted: true });
      // QA pins the key the operator handed it.
      const qaFirst = await cosignJson(qaWitness, qa, ['--log-key', await logKey()]);
      expect(qaFirst.stderr).toContain('Pinned the log key given by --log-key');
      expect(qaFirst.outcome).toMatchObject({ result: 'cosigned', treeSize: cp.treeSize, rootHash: cp.rootHash });

      const sizes = [cp.treeSize];
      for (const n of [1, 4, 9]) {
        await grow(n);
        cp = await checkpoint();
        sizes.push(cp.treeSize);
        const both = [await cosignJson(maWitness, ma), await cosignJson(qaWitness, qa)];
        for (const run of both) {
          expect(run).toMatchObject({ code: 0, stderr: '' });
          expect(run.outcome).toMatchObject({ result: 'cosigned', treeSize: cp.treeSize, rootHash: cp.rootHash });
        }
        const shown = await latest();
        expect(shown.treeSize).toBe(cp.treeSize);
        expect(shown.cosignatures.map((c) => [c.party, c.witness])).toEqual([
          ['MA', 'ma-witness'],
          ['QA', 'qa-witness'],
        ]);
        expect(shown.agreements.find((a) => a.agreementId === agreementId)).toMatchObject({
          parties: ['MA', 'QA'],
          cosignedBy: ['MA', 'QA'],
          cosignedByAll: true,
        });
        // The note the API shows carries both cosignatures, each verifiable with the party's key alone.
        const opened = openCheckpoint(shown.note, {
          log: parseVerifierKey(await logKey()),
          witnesses: [parseVerifierKey(maWitness.verifierKey), parseVerifierKey(qaWitness.verifierKey)],
        });
        expect(opened.cosignatures.map((c) => c.name)).toEqual(['ma-witness', 'qa-witness']);
      }
      expect(new Set(sizes).size).toBe(sizes.length);
      // Nothing new: cosigned already, nothing posted, exit 0.
      const again = await cosign(maWitness, ma);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^Cosigned already: accord\\.dev/log/\\S+ at tree size ${cp.treeSize}`));
      expect(again.stdout).toContain('cosigned by MA, QA (every party)');

      // Usage errors (exit 2) change nothing: no API key, a witness key given as the log's, another log key than the pinned one.
      const state = readFileSync(maWitness.state, 'utf8');
      const origin = (JSON.parse(state) as { logs: Record<string, unknown> }).logs;
      const impostor = generateKey(Object.keys(origin)[0]).verifierKey;
      const usage = [
        await cosign(maWitness, ''),
        await cosign(maWitness, ma, ['--log-key', qaWitness.verifierKey]),
        await cosign(maWitness, ma, ['--log-key', impostor]),
      ];
      expect(usage.map((r) => r.code)).toEqual([2, 2, 2]);
      expect(usage[0].stderr).toContain('give an API key');
      expect(usage[1].stderr).toContain('is a witness key (0x04), not the log');
      expect(usage[2].stderr).toContain('a witness never changes a log key silently');
      expect(readFileSync(maWitness.state, 'utf8')).toBe(state);
    });

    it('refuses a forked history, at the same size and grown larger, with both checkpoints and the failing proof', async () => {
      const { maWitness, qaWitness } = await witnesses();
      await grow(6);
      const honest = await checkpoint();
      for (const [w, key] of [
        [maWitness, ma],
        [qaWitness, qa],
      ] as const)
        expect((await cosignJson(w, key)).outcome).toMatchObject({ result: 'cosigned', treeSize: honest.treeSize });
      const operatorKey = await logKey();

      // The operator rewrites one early event, rebuilds the tree, and signs it as if it were the log.
      // One early commitment's proposal, changed: nothing the app acts on later reads it.
      const victim = (await t.log()).find((e) => e.streamId.startsWith('commitment-'))!;
      await operator.rewriteEvent(victim.position, JSON.stringify({ ...(victim.data as object), title: 'rewritten' }));
      await operator.forgetCheckpoints();
      await rebuildTree();
      const forked = await checkpoint();
      expect(forked.treeSize).toBe(honest.treeSize);
      expect(forked.rootHash).not.toBe(honest.rootHash);

      const text = await cosign(maWitness, ma);
      expect(text.code).toBe(4);
      expect(text.stdout).toMatch(/^REFUSED \(fork\): two trees of \d+ leaves, both signed by the log/);
      expect(text.stdout).toContain(`cosigned before: tree size ${honest.treeSize}, root ${honest.rootHash}`);
      expect(text.stdout).toContain(`presented now:   tree size ${forked.treeSize}, root ${forked.rootHash}`);
      expect(text.stdout).toContain(`log key:  ${operatorKey}`);
      const json = await cosignJson(qaWitness, qa);
      expect(json.code).toBe(4);
      const refusal = json.outcome.refusal!;
      expect(refusal).toMatchObject({
        reason: 'fork',
        blame: 'log',
        logKey: operatorKey,
        cosigned: { treeSize: honest.treeSize, rootHash: honest.rootHash },
        presented: { treeSize: forked.treeSize, rootHash: forked.rootHash },
      });
      // The evidence stands alone: both notes open with the operator's key, one of them cosigned by QA.
      const key = parseVerifierKey(operatorKey);
      const before = openCheckpoint(refusal.cosigned!.note, {
        log: key,
        witnesses: [parseVerifierKey(qaWitness.verifierKey)],
      });
      const now = openCheckpoint(refusal.presented.note, { log: key });
      expect(before.checkpoint.size).toBe(now.checkpoint.size);
      expect(Buffer.from(before.checkpoint.rootHash).equals(Buffer.from(now.checkpoint.rootHash))).toBe(false);
      expect(before.cosignatures.map((c) => c.name)).toEqual(['qa-witness']);
      // Nothing was posted: the forked checkpoint has no cosignature.
      expect((await latest()).cosignatures).toEqual([]);

      // The forked log grows and is signed larger: its proof from the size cosigned starts from another root.
      await grow(5, 'F');
      const larger = await checkpoint();
      expect(larger.treeSize).toBeGreaterThan(honest.treeSize);
      const ma4 = await cosign(maWitness, ma);
      expect(ma4.code).toBe(4);
      expect(ma4.stdout).toMatch(/^REFUSED \(fork\): the log's tree of \d+ leaves now has the root/);
      expect(ma4.stdout).toContain(`consistency proof from ${honest.treeSize} to ${larger.treeSize} leaves`);
      expect(ma4.stdout).toContain('fails: the proof does not lead to the first root');
      const qa4 = (await cosignJson(qaWitness, qa)).outcome.refusal!;
      expect(qa4).toMatchObject({ reason: 'fork', presented: { treeSize: larger.treeSize } });
      const proof = qa4.proof!;
      expect(proof).toMatchObject({ from: honest.treeSize, to: larger.treeSize, fromRoot: forked.rootHash });
      // Anyone can check it: the proof joins the rewritten tree to the new one, not the cosigned tree.
      const claim = {
        fromSize: proof.from,
        toSize: proof.to,
        toRoot: b64(larger.rootHash),
        proof: proof.proof.map(b64),
      };
      expect(consistencyProofFailure({ ...claim, fromRoot: b64(forked.rootHash) })).toBeUndefined();
      expect(consistencyProofFailure({ ...claim, fromRoot: b64(honest.rootHash) })).toBe(
        'the proof does not lead to the first root',
      );
      // And the state still holds the honest checkpoint: the next run refuses again.
      expect((await cosign(maWitness, ma)).code).toBe(4);
    });

    it('refuses a truncated log, and the same log regrown past the size it cosigned', async () => {
      const { maWitness, qaWitness } = await witnesses();
      await grow(8);
      const honest = await checkpoint();
      expect((await cosignJson(maWitness, ma)).outcome).toMatchObject({ result: 'cosigned' });
      expect((await cosignJson(qaWitness, qa, ['--log-key', await logKey()])).outcome).toMatchObject({
        result: 'cosigned',
      });

      // With the API stopped: the last events deleted, the checkpoints forgotten, then the tree rebuilt
      // smaller and signed. (A running SQLite store keeps the highest position it saw, and its
      // subscriptions spin without yielding once the log shrinks below it.)
      const events = await t.log();
      await t.close();
      await operator.deleteEventsAfter(events[events.length - 5].position);
      await operator.forgetCheckpoints();
      t = await startTestApp({ dir, storeUrl: url });
      await rebuildTree();
      const truncated = await checkpoint();
      expect(truncated.treeSize).toBe((await t.log()).length);
      expect(truncated.treeSize).toBeLessThan(honest.treeSize);
      for (const [w, key] of [
        [maWitness, ma],
        [qaWitness, qa],
      ] as const) {
        const run = await cosignJson(w, key);
        expect(run.code).toBe(4);
        expect(run.outcome.refusal).toMatchObject({
          reason: 'truncated',
          cosigned: { treeSize: honest.treeSize, rootHash: honest.rootHash },
          presented: { treeSize: truncated.treeSize, rootHash: truncated.rootHash },
        });
      }
      const text = await cosign(maWitness, ma);
      expect(text.stdout).toMatch(
        new RegExp(
          `^REFUSED \\(truncated\\): the log shows a tree of ${truncated.treeSize} leaves, smaller than the ${honest.treeSize}`,
        ),
      );

      // Regrown past the size it had: the tree at the cosigned size is another one.
      await grow(6, 'R');
      const regrown = await checkpoint();
      expect(regrown.treeSize).toBeGreaterThan(honest.treeSize);
      const run = await cosignJson(qaWitness, qa);
      expect(run.code).toBe(4);
      expect(run.outcome.refusal).toMatchObject({
        reason: 'fork',
        proof: { from: honest.treeSize, to: regrown.treeSize, failure: 'the proof does not lead to the first root' },
      });
      expect(run.outcome.refusal!.proof!.fromRoot).not.toBe(honest.rootHash);
    });

    /** The tree rebuilt from the log as the database now holds it (POST /admin/projections/log-tree/rebuild, awaited). */
    async function rebuildTree(): Promise<void> {
      expect((await t.post('/admin/projections/log-tree/rebuild', {}, ADMIN_KEY)).statusCode).toBe(202);
      await t.app.get(Workers).projections.rebuild('log-tree');
    }
  });
}
