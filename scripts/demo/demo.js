#!/usr/bin/env node
// @ts-check
/* global fetch, AbortSignal, setTimeout */
// `npm run demo`: loads the Morocco–Qatar agreement of the seed story and a dozen proposed
// commitments into a running accord API, through its HTTP API only, as a party integration
// and the secretariat would. Re-running it changes nothing: the ids are fixed, and what is
// already there is reported as such.
//
//   ACCORD_ADMIN_KEY=<admin key> [ACCORD_URL=http://localhost:3000] npm run demo
'use strict';

const { AGREEMENT, COMMITMENTS, REVISION, commitmentId } = require('./morocco-qatar');

const REQUEST_TIMEOUT_MS = 30000;
/** Network failures of a command are retried with the same Idempotency-Key: the API answers a repeat as it did the first. */
const NETWORK_RETRIES = 3;

/** A failure already explained to the user: printed, then exit 1. */
class DemoError extends Error {}

/**
 * @typedef {{ status: number, body: any }} ApiResponse
 * @typedef {{ key?: string, body?: unknown, headers?: Record<string, string> }} RequestOptions
 */

/** @param {string} baseUrl @param {string} correlationId */
function client(baseUrl, correlationId) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<ApiResponse>}
   */
  async function request(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', 'x-correlation-id': correlationId, ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const retries = headers['idempotency-key'] ? NETWORK_RETRIES : 0;
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        if (attempt < retries) {
          await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
          continue;
        }
        throw unreachable(baseUrl, error);
      }
      const text = await response.text();
      let body;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: response.status, body };
    }
  }
  return request;
}

/** @param {string} baseUrl @param {unknown} error */
function unreachable(baseUrl, error) {
  const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error)?.cause;
  const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new DemoError(
    `Cannot reach the accord API at ${baseUrl} (${why}).\n` +
      'Start it in another terminal with `ACCORD_ADMIN_KEY=<a key of 16+ characters> npm start`,\n' +
      'or point ACCORD_URL at the API you want to load.',
  );
}

/** A response the demo did not expect: print what the API said (problem+json) and stop. */
function failed(/** @type {string} */ what, /** @type {ApiResponse} */ response, hint = '') {
  const problem = typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2);
  return new DemoError(`${what} failed: HTTP ${response.status}\n${problem}${hint ? `\n${hint}` : ''}`);
}

/** The API refused a creation because the aggregate already exists (its state is not `none`). */
function alreadyExists(/** @type {ApiResponse} */ response, /** @type {string} */ command) {
  const body = response.body ?? {};
  return response.status === 422 && body.code === 'ILLEGAL_TRANSITION' && body.command === command;
}

/** The last day of the month `months` from today (UTC): a due date that is always ahead. */
function dueIn(/** @type {number} */ months, now = new Date()) {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months + 1, 0));
  return date.toISOString().slice(0, 10);
}

/** @param {NodeJS.ProcessEnv} env @param {(line?: string) => void} print */
async function run(env, print) {
  const adminKey = env.ACCORD_ADMIN_KEY;
  const baseUrl = (env.ACCORD_URL || 'http://localhost:3000').replace(/\/+$/, '');
  if (!adminKey) {
    throw new DemoError(
      'ACCORD_ADMIN_KEY is not set: the demo needs the API admin key to issue its own keys.\n' +
        'Start the API with a key of your choice:   ACCORD_ADMIN_KEY=<16+ characters> npm start\n' +
        'then run:                                  ACCORD_ADMIN_KEY=<the same key> npm run demo\n' +
        'or, if the API generated one at its first start (printed once in its output), pass that key:\n' +
        '                                           ACCORD_ADMIN_KEY=acc_… npm run demo\n' +
        `The API is expected at ${baseUrl} (set ACCORD_URL to change it).`,
    );
  }
  const request = client(baseUrl, `accord-demo-${Date.now().toString(36)}`);
  let appended = 0;

  const health = await request('GET', '/health');
  if (health.status !== 200) throw failed(`GET ${baseUrl}/health`, health, 'The API is up but not healthy.');
  print(`accord demo → ${baseUrl}`);

  // Keys: the API keeps only their hashes and lists none, so each run issues its own.
  /** @param {string} name @param {string} role @param {string} [party] */
  const issueKey = async (name, role, party) => {
    const response = await request('POST', '/admin/keys', { key: adminKey, body: { name, role, party } });
    if (response.status !== 201) {
      const hint =
        response.status === 401 || response.status === 403
          ? 'ACCORD_ADMIN_KEY is not the admin key of this API: use the ACCORD_ADMIN_KEY it was started with,\nor the key it printed at its first start.'
          : '';
      throw failed(`Issuing the ${name} key`, response, hint);
    }
    return /** @type {string} */ (response.body.key);
  };
  const secretariat = await issueKey('accord demo: secretariat', 'secretariat');
  /** @type {Record<string, string>} */
  const partyKeys = {};
  for (const party of AGREEMENT.parties) {
    partyKeys[party.code] = await issueKey(`accord demo: ${party.code} integration`, 'integration', party.code);
  }
  print(`Keys issued for this run: secretariat, ${Object.keys(partyKeys).join(' and ')} integration`);

  // The agreement, with its fixed id.
  const registered = await request('POST', '/agreements', {
    key: secretariat,
    body: AGREEMENT,
    headers: { 'idempotency-key': `accord-demo/agreement/${AGREEMENT.id}` },
  });
  let agreementNote;
  if (registered.status === 201) {
    appended += registered.body.events.length;
    agreementNote = 'registered';
  } else if (alreadyExists(registered, 'RegisterAgreement')) {
    agreementNote = 'already registered';
  } else {
    throw failed('Registering the agreement', registered);
  }
  print(`Agreement ${AGREEMENT.id} (${agreementNote})`);
  print(`  ${AGREEMENT.title}`);
  print(`  signed in ${AGREEMENT.signedIn} on ${AGREEMENT.signedAt}`);
  for (const party of AGREEMENT.parties) print(`  ${party.code}  ${party.name}: ${party.agencies.join(', ')}`);
  print(`  ${AGREEMENT.domains.length} domains: ${AGREEMENT.domains.join('; ')}`);

  // The proposals, each by its party's integration, with fixed ids.
  print('');
  print(`Commitments (${COMMITMENTS.length}):`);
  for (const c of COMMITMENTS) {
    const id = commitmentId(c.slug);
    const proposed = await request('POST', '/commitments', {
      key: partyKeys[c.party],
      body: {
        id,
        agreementId: AGREEMENT.id,
        title: c.title,
        description: c.description,
        domain: c.domain,
        leadAgencies: c.leadAgencies,
        dueDate: dueIn(c.dueInMonths),
        priority: c.priority,
      },
      headers: { 'idempotency-key': `accord-demo/propose/${id}` },
    });
    let note;
    if (proposed.status === 201) {
      appended += proposed.body.events.length;
      note = 'proposed';
    } else if (alreadyExists(proposed, 'ProposeCommitment')) {
      note = `already there (${proposed.body.state})`;
    } else {
      throw failed(`Proposing "${c.title}"`, proposed);
    }
    print(`  ${id}  ${c.party}  ${c.domain.padEnd(42)} ${c.title}  [${note}]`);
  }

  // One revision, made only on the proposal as first made (If-Match "0"): a later run, or a
  // commitment the committee has moved on, is refused with 409 and left as it is.
  const revisedId = commitmentId(REVISION.slug);
  const revisedParty = COMMITMENTS.find((c) => c.slug === REVISION.slug)?.party ?? '';
  const revised = await request('POST', `/commitments/${revisedId}/revise`, {
    key: partyKeys[revisedParty],
    body: REVISION.changes,
    headers: { 'idempotency-key': `accord-demo/revise/${revisedId}/1`, 'if-match': '"0"' },
  });
  const changes = `lead agencies ${REVISION.changes.leadAgencies.join(', ')}, priority ${REVISION.changes.priority}`;
  print('');
  if (revised.status === 200) {
    appended += revised.body.events.length;
    print(`Revised ${revisedId} (${revisedParty}): ${changes}`);
  } else if (revised.status === 409 && revised.body?.code === 'WRONG_EXPECTED_REVISION') {
    print(
      `Not revised again ${revisedId}: it is at revision ${revised.body.currentRevision}` +
        ' (revised by an earlier run, or moved on since)',
    );
  } else {
    throw failed(`Revising ${revisedId}`, revised);
  }

  print('');
  print(
    'Every commitment stays proposed: starting one needs the mixed committee to approve it in a session,\n' +
      'so no progress can be reported yet.',
  );
  print(
    appended === 0 ? 'Already loaded: nothing changed (0 events appended).' : `Loaded: ${appended} events appended.`,
  );
}

if (require.main === module) {
  run(process.env, (line = '') => process.stdout.write(`${line}\n`)).catch((error) => {
    process.stderr.write(
      error instanceof DemoError ? `${error.message}\n` : `accord demo failed: ${error?.stack ?? error}\n`,
    );
    process.exitCode = 1;
  });
}

module.exports = { run };
