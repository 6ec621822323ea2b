/**
 * The Merkle tree's costs (issue 16: "inclusion proof p50 at 1M events", the tree maintained
 * on the command path). Pure CPU, in memory: no store, so these are the library's own costs,
 * the floor under what the integration will measure with its SQL reads. Run after
 * `npm run build`:
 *
 *     node dist/bench/merkle.bench.js [leaves=1000000] [proofs=20000]
 *
 *  1. compact-range append: leaves/s with the leaf hash given (the tree's own work: one node
 *     hash a leaf, amortised), and with the leaf hashed from a 600-byte input (an event's
 *     canonical JSON is about that);
 *  2. the same into the in-memory node store (the range plus keeping every completed node);
 *  3. inclusion proofs at the full size, random leaves: making one (one getNodes call) and
 *     verifying it, each timed alone, p50 and p99 in µs;
 *  4. consistency proofs from a random older size to the full size, likewise.
 *
 * The figures depend on the machine and on what else runs on it: the load average is printed.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  MemoryNodeStore,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '@accord/merkle';

const [LEAVES, PROOFS] = (() => {
  const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
  return [Number(numbers[0] ?? 1_000_000), Number(numbers[1] ?? 20_000)];
})();
const INPUT_BYTES = 600;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const rate = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(name: string, microseconds: number[]): void {
  const sorted = [...microseconds].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(1).padStart(7);
  say(
    `${name.padEnd(44)} p50 ${f(percentile(sorted, 50))} µs   p99 ${f(percentile(sorted, 99))} µs   max ${f(sorted[sorted.length - 1])} µs`,
  );
}

/** A random integer in [0, bound). */
function randomBelow(bound: number): number {
  return Math.floor(Math.random() * bound);
}

async function main(): Promise<void> {
  say(`merkle bench: ${LEAVES.toLocaleString('en')} leaves, ${PROOFS.toLocaleString('en')} proofs of each kind`);
  say(
    `node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // Leaf hashes made first, so that (1) times the tree alone.
  const hashes = Array.from({ length: LEAVES }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const inputs = Array.from({ length: 1000 }, () => randomBytes(INPUT_BYTES));

  for (let round = 1; round <= 3; round++) {
    gc();
    const range = CompactRange.empty();
    let started = performance.now();
    for (const hash of hashes) range.append(hash);
    const appendMs = performance.now() - started;

    gc();
    const hashed = CompactRange.empty();
    started = performance.now();
    for (let i = 0; i < LEAVES; i++) hashed.appendLeaf(inputs[i % inputs.length]);
    const hashedMs = performance.now() - started;

    say(
      `round ${round}: compact range append ${rate(LEAVES, appendMs)} (leaf hash given), ` +
        `${rate(LEAVES, hashedMs)} (leaf of ${INPUT_BYTES} bytes hashed too)`,
    );
  }

  gc();
  const store = new MemoryNodeStore();
  const started = performance.now();
  for (const hash of hashes) store.append(hash);
  const storeMs = performance.now() - started;
  say(`node store append ${rate(LEAVES, storeMs)} (${LEAVES.toLocaleString('en')} leaves in ${storeMs.toFixed(0)} ms)`);
  say(
    `heap after the store: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB heap, ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0)} MB buffers`,
  );

  const size = store.size;
  const root = await treeRoot(store, size);
  const make: number[] = [];
  const verify: number[] = [];
  const both: number[] = [];
  let proofHashes = 0;
  for (let i = 0; i < PROOFS; i++) {
    const leafIndex = randomBelow(size);
    const t0 = performance.now();
    const proof = await inclusionProof(store, leafIndex, size);
    const t1 = performance.now();
    const ok = verifyInclusion({ leafIndex, treeSize: size, leafHash: hashes[leafIndex], proof, root });
    const t2 = performance.now();
    if (!ok) throw new Error(`the inclusion proof of leaf ${leafIndex} did not verify`);
    make.push((t1 - t0) * 1000);
    verify.push((t2 - t1) * 1000);
    both.push((t2 - t0) * 1000);
    proofHashes += proof.length;
  }
  say(
    `inclusion proofs at ${size.toLocaleString('en')} leaves, ${(proofHashes / PROOFS).toFixed(1)} hashes on average:`,
  );
  summary('  make (one getNodes call, in memory)', make);
  summary('  verify', verify);
  summary('  make + verify', both);

  const cMake: number[] = [];
  const cVerify: number[] = [];
  const cBoth: number[] = [];
  for (let i = 0; i < PROOFS; i++) {
    const fromSize = 1 + randomBelow(size - 1);
    const fromRoot = await treeRoot(store, fromSize);
    const t0 = performance.now();
    const proof = await consistencyProof(store, fromSize, size);
    const t1 = performance.now();
    const ok = verifyConsistency({ fromSize, toSize: size, fromRoot, toRoot: root, proof });
    const t2 = performance.now();
    if (!ok) throw new Error(`the consistency proof from ${fromSize} did not verify`);
    cMake.push((t1 - t0) * 1000);
    cVerify.push((t2 - t1) * 1000);
    cBoth.push((t2 - t0) * 1000);
  }
  say(`consistency proofs from a random size to ${size.toLocaleString('en')} leaves:`);
  summary('  make (one getNodes call, in memory)', cMake);
  summary('  verify', cVerify);
  summary('  make + verify', cBoth);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
