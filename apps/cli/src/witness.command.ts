import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  decideCosignature,
  describeRefusal,
  findLog,
  hasCosignatureBy,
  operatorVerifier,
  pinLog,
  proofNeeded,
  readWitnessState,
  withLog,
  withStateLock,
  witnessSigner,
  WitnessSetupError,
  writeWitnessState,
  type ConsistencyAnswer,
  type Refusal,
  type WitnessLogState,
} from '@accord/log-tree';
import {
  ALGORITHM_COSIGNATURE_V1,
  generateKey,
  parseCheckpoint,
  parseNote,
  SignedNoteError,
  type NoteSigner,
} from '@accord/signed-note';
import { Command, Option } from 'commander';
import { CliError } from './keys.command';

/** Exit status of `witness cosign` when it refuses the log's checkpoint (3 is audit verify's broken log). */
export const WITNESS_REFUSED_EXIT_CODE = 4;
const DEFAULT_STATE = 'accord-witness.json';
const DEFAULT_KEY_FILE = 'accord-witness.key';

/** The API did not answer as it should (network, a status we cannot go on from): exit 1, said in one line. */
class WitnessFailure extends Error {}

interface CheckpointAnswer {
  treeSize: number;
  rootHash: string;
  note: string;
  cosignatures: { witness: string; party: string; keyId: string; timestamp: number; receivedAt: string }[];
  agreements: { agreementId: string; title: string; parties: string[]; cosignedBy: string[]; cosignedByAll: boolean }[];
}

const urlOption = ['--url <url>', 'the API base URL, e.g. https://accord.example.org'] as const;
const apiKeyOption = ['--api-key <key>', 'the API key to act with (default: $ACCORD_API_KEY)'] as const;
const jsonOption = ['--json', 'print the outcome as one JSON object'] as const;
const timeoutOption = () =>
  new Option('--timeout <ms>', 'give up on an API request after this long').default(30_000).argParser(parseTimeout);

/**
 * `accord witness keygen|register|cosign`: what a party runs on its own machine to witness the
 * log (issue 16, point 4). The party keeps its signing key and its state file; the operator
 * only ever sees the cosignatures.
 */
export function witnessCommand(): Command {
  const witness = new Command('witness').description(
    "a party's witness: check the log's signed checkpoints against the last one it cosigned, and cosign them",
  );

  witness
    .command('keygen')
    .description('make a cosignature/v1 key pair: the signer key to a file (mode 0600), the verifier key to register')
    .requiredOption('--name <name>', 'the key name, which the cosignature lines carry (e.g. ma-witness)')
    .option('--out <file>', `where to write the signer key (default: ./${DEFAULT_KEY_FILE}); never overwritten`)
    .option(...jsonOption)
    .action((options: { name: string; out?: string; json?: boolean }) => {
      let key: { signerKey: string; verifierKey: string };
      try {
        key = generateKey(options.name, ALGORITHM_COSIGNATURE_V1);
      } catch (error) {
        if (error instanceof SignedNoteError) throw new CliError(`--name: ${error.message}`);
        throw error;
      }
      const file = resolve(options.out ?? DEFAULT_KEY_FILE);
      let fd: number;
      try {
        fd = openSync(file, 'wx', 0o600);
      } catch (error) {
        throw new CliError(`cannot create ${file}: ${(error as Error).message} (an existing key is never overwritten)`);
      }
      try {
        writeSync(fd, `${key.signerKey}\n`);
      } finally {
        closeSync(fd);
      }
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ name: options.name, verifierKey: key.verifierKey, keyFile: file })}\n`,
        );
        return;
      }
      process.stdout.write(
        [
          `Wrote the signer key of ${options.name} to ${file} (mode 0600): keep it on this machine, secret.`,
          'Its verifier key, for the operator to register (POST /admin/witnesses, or accord witness register):',
          '',
          `  ${key.verifierKey}`,
          '',
        ].join('\n'),
      );
    });

  witness
    .command('register')
    .description("register a party's witness key with the API (an admin key): POST /admin/witnesses")
    .requiredOption(...urlOption)
    .requiredOption('--party <code>', 'the party whose witness it is, e.g. MA')
    .option('--vkey <vkey>', 'the verifier key accord witness keygen printed')
    .option('--key <file>', 'or the signer key file, whose verifier key is registered')
    .option(...apiKeyOption)
    .addOption(timeoutOption())
    .option(...jsonOption)
    .action(
      (options: {
        url: string;
        party: string;
        vkey?: string;
        key?: string;
        apiKey?: string;
        timeout: number;
        json?: boolean;
      }) =>
        failuresAsExitOne(async () => {
          if ((options.vkey === undefined) === (options.key === undefined))
            throw new CliError('give the witness key as --vkey <vkey> or --key <signer key file>, one of the two');
          const verifierKey = options.vkey ?? readSigner(options.key!).verifierKey;
          const api = apiClient(options.url, apiKeyOf(options), options.timeout);
          const answer = await api.send('POST', 'admin/witnesses', { party: options.party, verifierKey });
          if (answer.status !== 201) throw api.failure('POST /admin/witnesses', answer);
          const registered = answer.body as { party: string; name: string; keyId: string; position: number };
          process.stdout.write(
            options.json
              ? `${JSON.stringify(registered)}\n`
              : `Registered ${registered.name} (key ID ${registered.keyId}) as ${registered.party}'s witness, at log position ${registered.position}.\n`,
          );
        }),
    );

  witness
    .command('cosign')
    .description(
      "fetch the latest checkpoint, check the operator's signature and that it extends the last one this witness cosigned, then post the cosignature",
    )
    .requiredOption(...urlOption)
    .requiredOption('--key <file>', 'the signer key file accord witness keygen wrote')
    .option(...apiKeyOption)
    .option(
      '--state <file>',
      `the witness's state: pinned log keys, last checkpoint cosigned (default: ./${DEFAULT_STATE})`,
    )
    .option(
      '--log-key <vkey>',
      "the operator's verifier key, from the operator out of band; without it the first run trusts GET /audit/log-key",
    )
    .addOption(timeoutOption())
    .option(...jsonOption)
    .addHelpText(
      'after',
      `\nExit status: 0 cosigned (or cosigned already), ${WITNESS_REFUSED_EXIT_CODE} refused (the evidence is printed: both ` +
        'checkpoints and the proof), 2 usage error, 1 failure (network, the API refused the cosignature, the state file).',
    )
    .action(
      (options: {
        url: string;
        key: string;
        apiKey?: string;
        state?: string;
        logKey?: string;
        timeout: number;
        json?: boolean;
      }) => failuresAsExitOne(() => cosign(options)),
    );
  return witness;
}

async function cosign(options: {
  url: string;
  key: string;
  apiKey?: string;
  state?: string;
  logKey?: string;
  timeout: number;
  json?: boolean;
}): Promise<void> {
  const api = apiClient(options.url, apiKeyOf(options), options.timeout);
  const signerKey = readFileOrUsage(options.key, 'signer key');
  const signer = readSigner(options.key, signerKey);
  const given = options.logKey === undefined ? undefined : usage(() => operatorVerifier(options.logKey!), '--log-key');
  const stateFile = resolve(options.state ?? DEFAULT_STATE);
  const say = (line: string) => process.stderr.write(`${line}\n`);

  await withStateLock(stateFile, async () => {
    const state = readWitnessState(stateFile);
    const now = new Date();
    let log = findLog(state, given ? { origin: given.name } : { url: api.base });
    let pinned: { logKey: string; from: 'given' | 'server' } | undefined;
    if (log && given && log.logKey !== given.verifierKey)
      throw new CliError(
        `${stateFile} pins ${log.logKey} for ${log.origin}, and --log-key gives ${given.verifierKey}: a witness never ` +
          'changes a log key silently; if the operator rotated it, remove that log from the state file to pin the new key',
      );
    if (!log && given) {
      log = pinLog(given.verifierKey, { from: 'given', at: now.toISOString(), url: api.base });
      pinned = { logKey: log.logKey, from: 'given' };
      say(`Pinned the log key given by --log-key for ${log.origin}.`);
    }
    if (!log) {
      const served = await api.send('GET', 'audit/log-key');
      if (served.status !== 200) throw api.failure('GET /audit/log-key', served);
      const { origin, verifierKey } = served.body as { origin?: unknown; verifierKey?: unknown };
      if (typeof origin !== 'string' || typeof verifierKey !== 'string')
        throw new WitnessFailure('GET /audit/log-key did not answer {origin, verifierKey}');
      log = state.logs[origin];
      if (log) {
        say(`${api.base} serves ${origin}, which this witness follows already (its pinned key stays ${log.logKey}).`);
      } else {
        const verifier = operatorOrFailure(verifierKey);
        if (verifier.name !== origin)
          throw new WitnessFailure(`the log key served is named ${verifier.name}, not after the origin ${origin}`);
        log = pinLog(verifier.verifierKey, { from: 'server', at: now.toISOString(), url: api.base });
        pinned = { logKey: log.logKey, from: 'server' };
        say(
          `Trust on first use: pinned the log key served by GET /audit/log-key for ${origin}:\n  ${log.logKey}\n` +
            'Compare it with the key the operator published (the API prints it at first start), or pass --log-key.',
        );
      }
    }
    log = { ...log, url: api.base };
    const save = (next: WitnessLogState) => writeWitnessState(stateFile, withLog(state, next));

    const fetched = await api.send('GET', 'audit/checkpoint');
    if (fetched.status === 404) {
      if (log.last)
        throw new WitnessFailure(
          `the log has no checkpoint, yet this witness cosigned its tree of ${log.last.treeSize} leaves: the log lost or hides its checkpoints`,
        );
      save(log);
      report(
        options.json,
        { result: 'nothing-to-cosign', origin: log.origin, pinned },
        'No checkpoint yet: nothing to cosign.',
      );
      return;
    }
    if (fetched.status !== 200) throw api.failure('GET /audit/checkpoint', fetched);
    const checkpoint = fetched.body as CheckpointAnswer;

    const size = signedSize(checkpoint.note);
    const needed = size === undefined ? undefined : proofNeeded(log, size);
    let proof: ConsistencyAnswer | undefined;
    if (needed) {
      const answer = await api.send('GET', `audit/proofs/consistency?from=${needed.from}&to=${needed.to}`);
      if (answer.status !== 200)
        throw api.failure(`GET /audit/proofs/consistency?from=${needed.from}&to=${needed.to}`, answer);
      proof = answer.body as ConsistencyAnswer;
    }
    const decision = decideCosignature({
      state: log,
      note: checkpoint.note,
      proof,
      signerKey,
      now: Math.floor(now.getTime() / 1000),
    });

    if (decision.kind === 'refuse') {
      refuse(options.json, decision.refusal);
      return;
    }
    const treeSize = decision.checkpoint.size;
    const rootHash = decision.state.last!.rootHash;
    // Kept before it is posted: once this line exists, the witness is bound to this tree.
    save(decision.state);
    let shown = checkpoint;
    const posting = decision.kind === 'cosign' || !hasCosignatureBy(signer, checkpoint.cosignatures);
    if (posting) shown = await postCosignature(api, treeSize, decision.cosignature);
    const done = decision.kind === 'cosign' ? 'cosigned' : 'already-cosigned';
    report(
      options.json,
      {
        result: done,
        origin: log.origin,
        treeSize,
        rootHash,
        cosignature: decision.cosignature,
        posted: posting,
        pinned,
        agreements: shown.agreements,
      },
      [
        decision.kind === 'cosign'
          ? `Cosigned ${log.origin} at tree size ${treeSize} (root ${rootHash}).`
          : `Cosigned already: ${log.origin} at tree size ${treeSize} (root ${rootHash})${posting ? '; posted the cosignature again, the log had lost it' : ''}.`,
        ...(shown.agreements ?? []).map(
          (a) =>
            `  ${a.title}: cosigned by ${a.cosignedBy.join(', ') || 'no party'}${a.cosignedByAll ? ' (every party)' : ` of ${a.parties.join(', ')}`}`,
        ),
      ].join('\n'),
    );
  });
}

async function postCosignature(api: ApiClient, treeSize: number, line: string): Promise<CheckpointAnswer> {
  const path = `audit/checkpoints/${treeSize}/cosignatures`;
  const answer = await api.send('POST', path, { cosignature: line });
  if (answer.status === 200) return answer.body as CheckpointAnswer;
  const rule = (answer.body as { rule?: string } | undefined)?.rule;
  const hint =
    rule === 'witness-unknown'
      ? ' Register the key first (accord witness register, or POST /admin/witnesses as admin); the cosignature is kept in the state file and posted again by the next run.'
      : '';
  throw api.failure(`POST /${path}`, answer, hint);
}

/** The tree size the note's text states, read without trusting it (only to ask for the right proof). */
function signedSize(note: unknown): number | undefined {
  try {
    return parseCheckpoint(parseNote(note as string).text).size;
  } catch {
    return undefined; // decideCosignature refuses the note and says why
  }
}

function refuse(json: boolean | undefined, refusal: Refusal): void {
  process.stdout.write(json ? `${JSON.stringify({ result: 'refused', refusal })}\n` : describeRefusal(refusal));
  // A clock gone back is this machine's trouble, not evidence against the log.
  process.exitCode = refusal.blame === 'log' ? WITNESS_REFUSED_EXIT_CODE : 1;
}

function report(json: boolean | undefined, outcome: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(outcome)}\n` : `${text}\n`);
}

interface Answer {
  status: number;
  body: unknown;
}

interface ApiClient {
  /** The base URL, normalised with a final slash: how the state file remembers the log. */
  readonly base: string;
  send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer>;
  failure(what: string, answer: Answer, hint?: string): WitnessFailure;
}

function apiClient(url: string, apiKey: string, timeoutMs: number): ApiClient {
  let base: URL;
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new CliError(`--url must be a URL such as https://accord.example.org, not ${JSON.stringify(url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError('--url must be http(s)');
  return {
    base: base.href,
    async send(method, path, body) {
      const target = new URL(path, base);
      let response: Response;
      try {
        response = await fetch(target, {
          method,
          headers: {
            authorization: `Bearer ${apiKey}`,
            accept: 'application/json, application/problem+json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { message?: string } }).cause?.message;
        throw new WitnessFailure(`${method} ${target.href}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new WitnessFailure(`${method} ${target.href} answered ${response.status} with a body that is not JSON`);
      }
      return { status: response.status, body: parsed };
    },
    failure(what, answer, hint = '') {
      const problem = answer.body as { code?: string; detail?: string; title?: string } | undefined;
      const said = problem?.detail ?? problem?.title;
      return new WitnessFailure(
        `${what} answered ${answer.status}${problem?.code ? ` ${problem.code}` : ''}${said ? `: ${said}` : ''}.${hint}`,
      );
    },
  };
}

function apiKeyOf(options: { apiKey?: string }): string {
  const key = options.apiKey ?? process.env.ACCORD_API_KEY;
  if (!key) throw new CliError('give an API key: --api-key <key> or $ACCORD_API_KEY');
  return key;
}

function readFileOrUsage(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

function readSigner(file: string, text = readFileOrUsage(file, 'signer key')): NoteSigner {
  return usage(() => witnessSigner(text), file);
}

function usage<T>(work: () => T, what: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof WitnessSetupError) throw new CliError(`${what}: ${error.message}`);
    throw error;
  }
}

function operatorOrFailure(verifierKey: string) {
  try {
    return operatorVerifier(verifierKey);
  } catch (error) {
    if (error instanceof WitnessSetupError) throw new WitnessFailure(`GET /audit/log-key: ${error.message}`);
    throw error;
  }
}

/** The API's failures and the state file's are exit 1 with one line; usage errors go on to main's exit 2. */
async function failuresAsExitOne(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof WitnessFailure || error instanceof WitnessSetupError)) throw error;
    process.stderr.write(`accord: ${error.message}\n`);
    process.exitCode = 1;
  }
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 600_000)
    throw new CliError('--timeout must be a whole number of milliseconds from 1 to 600000');
  return n;
}
