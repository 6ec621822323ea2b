import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consistencyProof, MemoryNodeStore, treeRoot } from '@accord/merkle';
import {
  ALGORITHM_COSIGNATURE_V1,
  formatCheckpoint,
  generateKey,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@accord/signed-note';
import {
  decideCosignature,
  describeRefusal,
  hasCosignatureBy,
  operatorVerifier,
  pinLog,
  proofNeeded,
  witnessSigner,
  WitnessSetupError,
  type ConsistencyAnswer,
  type Refusal,
  type WitnessDecision,
  type WitnessLogState,
} from './witness';
import {
  emptyWitnessState,
  findLog,
  readWitnessState,
  withLog,
  withStateLock,
  writeWitnessState,
} from './witness-state';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** An operator's log: leaves in memory, checkpoints signed with its key, proofs as the API serves them. */
class Log {
  readonly tree = new MemoryNodeStore();
  constructor(
    readonly origin: string,
    readonly signerKey: string,
  ) {}

  static create(): Log {
    const origin = `accord.dev/log/${randomUUID()}`;
    return new Log(origin, generateKey(origin).signerKey);
  }

  /** Another log with the same key and the same leaves up to `keep`, then others: a rewritten history. */
  fork(keep: number): Log {
    const other = new Log(this.origin, this.signerKey);
    for (let i = 0; i < keep; i++) other.tree.append(this.tree.getNode({ level: 0, index: i }));
    return other;
  }

  grow(n: number, tag = 'event'): this {
    for (let i = 0; i < n; i++) this.tree.appendLeaf(Buffer.from(`${tag} ${this.tree.size}`));
    return this;
  }

  get verifierKey(): string {
    return parseSignerKey(this.signerKey).verifierKey;
  }

  async note(size = this.tree.size): Promise<string> {
    const rootHash = await treeRoot(this.tree, size);
    return signNote(formatCheckpoint({ origin: this.origin, size, rootHash, extensions: [] }), [
      parseSignerKey(this.signerKey),
    ]);
  }

  async proof(from: number, to = this.tree.size): Promise<ConsistencyAnswer> {
    return {
      from,
      to,
      fromRoot: b64(await treeRoot(this.tree, from)),
      toRoot: b64(await treeRoot(this.tree, to)),
      proof: (await consistencyProof(this.tree, from, to)).map(b64),
    };
  }
}

const witnessKey = generateKey('ma-witness', ALGORITHM_COSIGNATURE_V1);
const NOW = 1_800_000_000;

const pinned = (log: Log): WitnessLogState =>
  pinLog(log.verifierKey, { from: 'server', at: '2026-12-02T00:00:00.000Z', url: 'http://accord.test' });

/** One witness run: fetch the note, fetch the proof it needs, decide. */
async function run(state: WitnessLogState, log: Log, now = NOW, size = log.tree.size): Promise<WitnessDecision> {
  const needed = proofNeeded(state, size);
  return decideCosignature({
    state,
    note: await log.note(size),
    proof: needed ? await log.proof(needed.from, needed.to) : undefined,
    signerKey: witnessKey.signerKey,
    now,
  });
}

function cosigned(decision: WitnessDecision): Extract<WitnessDecision, { kind: 'cosign' }> {
  if (decision.kind !== 'cosign') throw new Error(`expected a cosignature, got ${JSON.stringify(decision)}`);
  return decision;
}

function refused(decision: WitnessDecision): Refusal {
  if (decision.kind !== 'refuse') throw new Error(`expected a refusal, got ${decision.kind}`);
  return decision.refusal;
}

/** The state after cosigning `log` at each size in turn. */
async function cosignedAt(log: Log, sizes: number[]): Promise<WitnessLogState> {
  let state = pinned(log);
  for (const [i, size] of sizes.entries()) state = cosigned(await run(state, log, NOW + i, size)).state;
  return state;
}

describe('a witness deciding on a checkpoint', () => {
  it('cosigns the first checkpoint it sees (trust on first use) with a cosignature/v1 line the log key and its own open', async () => {
    const log = Log.create().grow(5);
    const decision = cosigned(await run(pinned(log), log));
    const cosignedNote = `${await log.note()}${decision.cosignature}`;
    const opened = openCheckpoint(cosignedNote, {
      origin: log.origin,
      log: parseVerifierKey(log.verifierKey),
      witnesses: [parseVerifierKey(witnessKey.verifierKey)],
    });
    expect(opened.cosignatures).toHaveLength(1);
    expect(opened.cosignatures[0]).toMatchObject({ name: 'ma-witness', timestamp: BigInt(NOW) });
    expect(decision.state.last).toMatchObject({
      treeSize: 5,
      rootHash: b64(log.tree.root()),
      timestamp: NOW,
      cosignature: decision.cosignature,
    });
    // What the witness keeps as evidence is the operator's note with its own line after it.
    const kept = openCheckpoint(decision.state.last!.note, {
      log: parseVerifierKey(log.verifierKey),
      witnesses: [parseVerifierKey(witnessKey.verifierKey)],
    });
    expect(kept.checkpoint.size).toBe(5);
    expect(kept.cosignatures.map((c) => c.name)).toEqual(['ma-witness']);
  });

  it('cosigns a growing log checkpoint after checkpoint, each proven consistent with the last it cosigned', async () => {
    const log = Log.create();
    let state = pinned(log);
    const sizes = [0, 1, 2, 3, 7, 8, 9, 16, 17, 100, 1000];
    for (const [i, size] of sizes.entries()) {
      log.grow(size - log.tree.size);
      const before = state.last?.treeSize;
      expect(proofNeeded(state, size)).toEqual(
        before === undefined || before === 0 ? undefined : { from: before, to: size },
      );
      const decision = cosigned(await run(state, log, NOW + i));
      expect(decision.checkpoint.size).toBe(size);
      state = decision.state;
    }
    expect(state.last).toMatchObject({ treeSize: 1000, timestamp: NOW + sizes.length - 1 });
  });

  it('says a checkpoint it cosigned last is cosigned already, and hands back the line it made', async () => {
    const log = Log.create().grow(12);
    const first = cosigned(await run(pinned(log), log));
    const again = await run(first.state, log, NOW + 60);
    expect(again).toMatchObject({ kind: 'already-cosigned', cosignature: first.cosignature, state: first.state });
  });

  it('accepts a cosignature dated the same second as the last, and refuses, blaming its own clock, one dated before', async () => {
    const log = Log.create().grow(4);
    const state = cosigned(await run(pinned(log), log, NOW)).state;
    log.grow(4);
    expect(cosigned(await run(state, log, NOW)).state.last).toMatchObject({ treeSize: 8, timestamp: NOW });
    const refusal = refused(await run(state, log, NOW - 1));
    expect(refusal).toMatchObject({ reason: 'clock-behind', blame: 'witness' });
    expect(refusal.message).toMatch(/the log is not at fault/);
  });

  describe('refuses, with the evidence', () => {
    it('a fork: two trees of the same size, both signed, with different roots', async () => {
      const log = Log.create().grow(10);
      const state = await cosignedAt(log, [10]);
      const other = log.fork(6).grow(4, 'rewritten');
      const refusal = refused(await run(state, other));
      expect(refusal).toMatchObject({
        reason: 'fork',
        blame: 'log',
        cosigned: { treeSize: 10, rootHash: b64(log.tree.root()) },
        presented: { treeSize: 10, rootHash: b64(other.tree.root()) },
      });
      expect(refusal.proof).toBeUndefined();
      // Both notes open with the operator's key alone: the log signed two histories.
      const key = parseVerifierKey(log.verifierKey);
      const roots = [refusal.cosigned!.note, refusal.presented.note].map((note) =>
        b64(openCheckpoint(note, { log: key }).checkpoint.rootHash),
      );
      expect(roots).toEqual([b64(log.tree.root()), b64(other.tree.root())]);
    });

    it('a rewritten history grown larger: the proof, made from the new tree, does not lead to the root it cosigned', async () => {
      const log = Log.create().grow(10);
      const state = await cosignedAt(log, [10]);
      const other = log.fork(3).grow(17, 'rewritten');
      const refusal = refused(await run(state, other));
      expect(refusal.reason).toBe('fork');
      expect(refusal.presented).toMatchObject({ treeSize: 20 });
      expect(refusal.proof).toMatchObject({
        from: 10,
        to: 20,
        fromRoot: b64(await treeRoot(other.tree, 10)),
        toRoot: b64(other.tree.root()),
        failure: 'the proof does not lead to the first root',
      });
      expect(refusal.proof!.fromRoot).not.toBe(refusal.cosigned!.rootHash);
      expect(refusal.message).toContain(
        `now has the root ${refusal.proof!.fromRoot}, not the ${refusal.cosigned!.rootHash}`,
      );
    });

    it.each([
      ['a hash changed', (p: ConsistencyAnswer) => ({ ...p, proof: [flipFirstByte(p.proof[0]), ...p.proof.slice(1)] })],
      ['a hash left out', (p: ConsistencyAnswer) => ({ ...p, proof: p.proof.slice(1) })],
      ['a hash more', (p: ConsistencyAnswer) => ({ ...p, proof: [...p.proof, p.proof[0]] })],
      ['no hash at all', (p: ConsistencyAnswer) => ({ ...p, proof: [] })],
      ['a hash not base64', (p: ConsistencyAnswer) => ({ ...p, proof: ['not base64!', ...p.proof.slice(1)] })],
      ['the proof of other sizes', (p: ConsistencyAnswer) => ({ ...p, from: p.from - 1 })],
    ])('a consistency proof that does not hold (%s)', async (_, tamper) => {
      const log = Log.create().grow(7);
      const state = await cosignedAt(log, [7]);
      log.grow(6);
      const refusal = refused(
        decideCosignature({
          state,
          note: await log.note(),
          proof: tamper(await log.proof(7)),
          signerKey: witnessKey.signerKey,
          now: NOW + 1,
        }),
      );
      expect(refusal).toMatchObject({ reason: 'inconsistent', blame: 'log', presented: { treeSize: 13 } });
      expect(refusal.proof!.failure).toEqual(expect.any(String));
      expect(refusal.message).toContain(refusal.proof!.failure);
    });

    it('a truncated log: a smaller tree than the one it cosigned', async () => {
      const log = Log.create().grow(30);
      const state = await cosignedAt(log, [30]);
      const refusal = refused(await run(state, log, NOW + 1, 20));
      expect(refusal).toMatchObject({
        reason: 'truncated',
        cosigned: { treeSize: 30 },
        presented: { treeSize: 20 },
      });
      expect(refusal.message).toMatch(/smaller than the 30/);
    });

    it('a checkpoint of another log, even one signed by its own key', async () => {
      const log = Log.create().grow(3);
      const other = Log.create().grow(3);
      const refusal = refused(await run(pinned(log), other));
      expect(refusal.reason).toBe('wrong-origin');
      expect(refusal.message).toContain(other.origin);
    });

    it('a checkpoint not signed by the pinned key: another key of the same name, or a signature changed', async () => {
      const log = Log.create().grow(3);
      const impostor = new Log(log.origin, generateKey(log.origin).signerKey).grow(3);
      expect(refused(await run(pinned(log), impostor)).reason).toBe('bad-signature');
      const note = await log.note();
      const changed = note.replace(/ (\S+)\n$/, (_, sig: string) => ` ${flipLastSignatureByte(sig)}\n`);
      expect(changed).not.toBe(note);
      const refusal = refused(
        decideCosignature({ state: pinned(log), note: changed, signerKey: witnessKey.signerKey, now: NOW }),
      );
      expect(refusal.reason).toBe('bad-signature');
      expect(refusal.message).toContain(log.verifierKey);
    });

    it.each([
      ['no signature', (note: string) => note.slice(0, note.indexOf('\n\n') + 2)],
      ['not a checkpoint', () => 'hello\n\n— someone AAAAAAAA\n'],
      ['not text', () => 42 as unknown as string],
    ])('a note that is not a signed checkpoint (%s)', async (_, mangle) => {
      const log = Log.create().grow(3);
      const refusal = refused(
        decideCosignature({
          state: pinned(log),
          note: mangle(await log.note()),
          signerKey: witnessKey.signerKey,
          now: NOW,
        }),
      );
      expect(refusal.reason).toBe('malformed-checkpoint');
    });

    it('prints the evidence whole: the log key, both notes and every proof hash', async () => {
      const log = Log.create().grow(10);
      const state = await cosignedAt(log, [10]);
      const other = log.fork(3).grow(17, 'rewritten');
      const refusal = refused(await run(state, other));
      const text = describeRefusal(refusal);
      expect(text).toMatch(/^REFUSED \(fork\): /);
      expect(text).toContain(log.verifierKey);
      for (const line of [...refusal.cosigned!.note.split('\n'), ...refusal.presented.note.split('\n')])
        if (line) expect(text).toContain(`    ${line}`);
      for (const hash of refusal.proof!.proof) expect(text).toContain(hash);
      expect(text).toContain('fails: the proof does not lead to the first root');
      expect(text).toContain('anyone can check them and the proof');
      // A note the log key did not sign is shown, not presented as the log's.
      const impostor = new Log(log.origin, generateKey(log.origin).signerKey).grow(20);
      const unsigned = describeRefusal(refused(await run(state, impostor)));
      expect(unsigned).toContain("presented now (not a checkpoint of this log's key):");
      expect(unsigned).not.toContain('anyone can check');
    });
  });

  it('needs the proof it asked for, and keys of the right kinds', async () => {
    const log = Log.create().grow(4);
    const state = cosigned(await run(pinned(log), log)).state;
    log.grow(1);
    expect(() => decideCosignature({ state, note: 'x', signerKey: witnessKey.signerKey, now: NOW + 1 })).not.toThrow(); // a note that cannot be read is refused before any proof is looked for
    const note = await log.note();
    expect(() => decideCosignature({ state, note, signerKey: witnessKey.signerKey, now: NOW + 1 })).toThrow(
      /a consistency proof from 4 to 5 is needed/,
    );
    expect(() => witnessSigner(log.signerKey)).toThrow(WitnessSetupError);
    expect(() => witnessSigner('PRIVATE+KEY+nonsense')).toThrow(/not a witness signer key/);
    expect(() => operatorVerifier(witnessKey.verifierKey)).toThrow(/a witness key \(0x04\)/);
    expect(witnessSigner(witnessKey.signerKey)).toMatchObject({
      name: 'ma-witness',
      algorithm: ALGORITHM_COSIGNATURE_V1,
    });
  });

  it('finds its own key among the cosignatures the log lists', () => {
    const signer = witnessSigner(witnessKey.signerKey);
    const keyId = witnessKey.verifierKey.split('+')[1];
    expect(hasCosignatureBy(signer, [{ witness: 'qa-witness', keyId }])).toBe(false);
    expect(hasCosignatureBy(signer, [{ witness: 'ma-witness', keyId: '00000000' }])).toBe(false);
    expect(hasCosignatureBy(signer, [{ witness: 'ma-witness', keyId }])).toBe(true);
  });
});

describe("a witness's state file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-witness-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written whole, read back the same, one entry per origin, and found by origin or by URL', async () => {
    const file = join(dir, 'state.json');
    expect(readWitnessState(file)).toEqual(emptyWitnessState());
    const a = Log.create().grow(9);
    const b = Log.create().grow(2);
    const stateA = await cosignedAt(a, [3, 9]);
    const stateB = { ...pinLog(b.verifierKey, { from: 'given', at: '2026-12-03T00:00:00.000Z' }) };
    writeWitnessState(file, withLog(withLog(emptyWitnessState(), stateA), stateB));
    expect(readdirSync(dir)).toEqual(['state.json']);
    const read = readWitnessState(file);
    expect(Object.keys(read.logs).sort()).toEqual([a.origin, b.origin].sort());
    expect(read.logs[a.origin]).toEqual(stateA);
    expect(findLog(read, { origin: b.origin })).toEqual(stateB);
    expect(findLog(read, { url: 'http://accord.test' })).toEqual(stateA);
    expect(findLog(read, { url: 'http://elsewhere.test' })).toBeUndefined();
    // Written again, it replaces the file (no temporary file is left beside it).
    writeWitnessState(file, withLog(read, cosigned(await run(stateA, a.grow(1), NOW + 5)).state));
    expect(readWitnessState(file).logs[a.origin].last!.treeSize).toBe(10);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['another shape', '[]', /expected \{"version": 1/],
    ['a key of another name', 'RENAME', /is named .*, not after the origin/],
    ['a tree size that is not one', 'SIZE', /treeSize is not a tree size/],
  ])('refuses a file it would misread (%s)', async (_, content, error) => {
    const file = join(dir, 'state.json');
    const log = Log.create().grow(2);
    const good = JSON.stringify(withLog(emptyWitnessState(), await cosignedAt(log, [2])));
    const text =
      content === 'RENAME'
        ? good.replace(`"origin":"${log.origin}"`, '"origin":"x"').replace(`"${log.origin}":`, '"x":')
        : content === 'SIZE'
          ? good.replace('"treeSize":2', '"treeSize":-2')
          : content;
    writeFileSync(file, text);
    expect(() => readWitnessState(file)).toThrow(error);
  });

  it('lets one run at a time hold it, and takes over a lock its holder left behind', async () => {
    const file = join(dir, 'state.json');
    let inside = false;
    await withStateLock(file, async () => {
      inside = true;
      await expect(withStateLock(file, async () => undefined)).rejects.toThrow(
        new RegExp(`another witness run \\(process ${process.pid}\\)`),
      );
    });
    expect(inside).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
    // A process id no process has (above Linux's pid_max).
    writeFileSync(`${file}.lock`, '99999999\n');
    expect(await withStateLock(file, async () => readFileSync(`${file}.lock`, 'utf8'))).toBe(`${process.pid}\n`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

function flipFirstByte(hash: string): string {
  const bytes = Buffer.from(hash, 'base64');
  bytes[0] ^= 1;
  return bytes.toString('base64');
}

function flipLastSignatureByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 1] ^= 1;
  return bytes.toString('base64');
}
