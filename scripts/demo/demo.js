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

const { AGREEMENT, AGREEMENT_ID, COMMITMENTS, REVISION, commitmentId } = require('./morocco-qatar');
const { v5: uuidv5 } = require('uuid');

const REQUEST_TIMEOUT_MS = 30000;
/** Network failures of a command are retried with the same Idempotency-Key: the API answers a repeat as it did the first. */
const NETWORK_RETRIES = 3;

/** A failure already explained to the user: printed, then exit 1. */
class DemoError extends Error {}

/**
 * @typedef {{ status: number, body: any, replayed?: boolean }} ApiResponse
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
      return { status: response.status, body, replayed: response.headers.get('idempotent-replayed') === 'true' };
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
/**
 * The creation had been made by an earlier run: answered as a replay (the same body), or 409
 * CONFLICT (the same id with another body, such as a due date computed on another day).
 */
function alreadyExists(/** @type {ApiResponse} */ response, /** @type {string} */ command) {
  const body = response.body ?? {};
  if (response.status === 201 && response.replayed) return true;
  if (response.status === 409 && body.code === 'CONFLICT') return true;
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
  if (alreadyExists(registered, 'RegisterAgreement')) {
    agreementNote = 'already registered';
  } else if (registered.status === 201) {
    appended += registered.body.events.length;
    agreementNote = 'registered';
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
    if (alreadyExists(proposed, 'ProposeCommitment')) {
      note = proposed.body?.state ? `already there (${proposed.body.state})` : 'already there';
    } else if (proposed.status === 201) {
      appended += proposed.body.events.length;
      note = 'proposed';
    } else {
      throw failed(`Proposing "${c.title}"`, proposed);
    }
    print(`  ${id}  ${c.party}  ${c.domain.padEnd(42)} ${c.title}  [${note}]`);
  }

  // One revision, made only on the proposal as first made (If-Match "0"): a later run, or a
  // commitment the committee has moved on, is refused with 412 and left as it is.
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
  } else if (revised.status === 412 && revised.body?.code === 'WRONG_EXPECTED_REVISION') {
    print(
      `Not revised again ${revisedId}: it is at revision ${revised.body.currentRevision}` +
        ' (revised by an earlier run, or moved on since)',
    );
  } else {
    throw failed(`Revising ${revisedId}`, revised);
  }

  appended += await runSession({ request, print, adminKey, issueKey, secretariat, partyKeys });
  print(
    appended === 0
      ? 'Already loaded: nothing changed (0 events appended).'
      : `Loaded: ${appended} ${appended === 1 ? 'event' : 'events'} appended.`,
  );
}

/**
 * The mixed committee's first session, run once (fixed session id): six proposals go on
 * the agenda; the delegations agree on five and disagree on one, which is deferred when the
 * session closes. Approved commitments are then started and report progress.
 * @param {{ request: ReturnType<typeof client>, print: (line?: string) => void, adminKey: string,
 *   issueKey: (name: string, role: string, party?: string) => Promise<string>, secretariat: string,
 *   partyKeys: Record<string, string> }} ctx
 */
async function runSession({ request, print, issueKey, secretariat, partyKeys }) {
  let appended = 0;
  const sessionId = uuidv5('session/1', AGREEMENT_ID);
  print('');
  const scheduled = await request('POST', '/sessions', {
    key: secretariat,
    body: { id: sessionId, agreementId: AGREEMENT.id, scheduledFor: '2027-03-15T09:00:00Z', venue: 'Doha' },
  });
  if (scheduled.status !== 201 || scheduled.replayed) {
    if (scheduled.replayed || scheduled.status === 422 || scheduled.status === 409) {
      print(`Mixed committee session ${sessionId}: already held by an earlier run.`);
      return 0;
    }
    throw failed('Scheduling the session', scheduled);
  }
  appended += scheduled.body.events.length;
  /** @type {Record<string, string>} */
  const delegates = {};
  for (const party of AGREEMENT.parties) {
    delegates[party.code] = await issueKey(`accord demo: ${party.code} delegation`, 'delegate', party.code);
  }
  const onAgenda = COMMITMENTS.slice(0, 6);
  /** @type {{ itemId: string, commitment: (typeof COMMITMENTS)[number] }[]} */
  const items = [];
  for (const c of onAgenda) {
    const itemId = uuidv5(`session/1/item/${c.slug}`, AGREEMENT_ID);
    const added = await request('POST', `/sessions/${sessionId}/agenda`, {
      key: secretariat,
      body: { itemId, commitmentId: commitmentId(c.slug), kind: 'review' },
    });
    if (added.status !== 200) throw failed(`Putting "${c.title}" on the agenda`, added);
    appended += added.body.events.length;
    items.push({ itemId, commitment: c });
  }
  const opened = await request('POST', `/sessions/${sessionId}/open`, {
    key: secretariat,
    body: { attendance: AGREEMENT.parties.map((p) => p.code) },
  });
  if (opened.status !== 200) throw failed('Opening the session', opened);
  appended += opened.body.events.length;
  print(`Mixed committee session ${sessionId} in Doha: ${items.length} proposals under review`);
  let lastPosition = 0;
  for (const [index, { itemId, commitment }] of items.entries()) {
    const disagree = index === items.length - 1;
    for (const party of AGREEMENT.parties) {
      const position = disagree && party.code !== commitment.party ? 'request_changes' : 'approve';
      const recorded = await request('POST', `/sessions/${sessionId}/positions`, {
        key: delegates[party.code],
        body: { itemId, position, note: `${party.code} delegation` },
      });
      if (recorded.status !== 200) throw failed(`Recording ${party.code}'s position`, recorded);
      appended += recorded.body.events.length;
      lastPosition = recorded.body.position;
    }
    print(
      `  ${commitment.party}  ${commitment.title}: ${disagree ? 'the delegations disagree' : 'approved by consensus'}`,
    );
  }
  const closed = await request('POST', `/sessions/${sessionId}/close`, { key: secretariat, body: {} });
  if (closed.status !== 200) throw failed('Closing the session', closed);
  appended += closed.body.events.length;
  lastPosition = closed.body.position;
  print(`Session closed: ${items.length - 1} decisions, 1 item deferred to the next session.`);

  // The committee's decisions reach the commitments through the process manager, in log
  // order: once the deferral (the last of them) shows in the history, every effect is in.
  const deferredId = commitmentId(items[items.length - 1].commitment.slug);
  let deferred = false;
  for (let attempt = 0; attempt < 100 && !deferred; attempt++) {
    const history = await request('GET', `/commitments/${deferredId}/history?after=${lastPosition}`, {
      key: secretariat,
    });
    deferred = (history.body?.items ?? []).some((/** @type {{type: string}} */ e) => e.type === 'CommitmentDeferred');
    if (!deferred) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!deferred) throw new DemoError('The decisions did not reach the commitments: is ACCORD_WORKERS off?');
  const approved = items.slice(0, 2).map((i) => i.commitment);
  for (const c of approved) {
    const id = commitmentId(c.slug);
    const started = await request('POST', `/commitments/${id}/start`, { key: partyKeys[c.party], body: {} });
    if (started.status !== 200) throw failed(`Starting "${c.title}"`, started);
    const progress = await request('POST', `/commitments/${id}/progress`, {
      key: partyKeys[c.party],
      body: { percent: 25, narrative: 'Liaison officers named on both sides; first joint meeting held.' },
    });
    if (progress.status !== 200) throw failed(`Reporting progress on "${c.title}"`, progress);
    appended += started.body.events.length + progress.body.events.length;
    print(`  ${c.party} started "${c.title}" and reported 25% progress`);
  }
  return appended;
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
