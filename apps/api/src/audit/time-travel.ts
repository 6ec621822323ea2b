import { eventInstant, findHeadPosition } from '@accord/audit';
import type { ExistingSession } from '@accord/committee';
import type { EventStore } from '@accord/event-store';
import {
  LOG_BLOCK,
  timeTravelProjection,
  type CommitmentFacts,
  type CommitmentSnapshot,
  type EvidenceReport,
} from '@accord/read-models';
import type { Tables } from '@accord/projection-runner';
import { Inject, Injectable } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ReadModels } from '../workers/read-models';

const PROJECTION = timeTravelProjection.name;

/** A commitment's snapshot: its fold up to `revision` (the event at `position`). */
export interface StartingPoint {
  readonly revision: number;
  readonly position: number;
  readonly snapshot: CommitmentSnapshot;
}

/** What the dashboard of an agreement showed at the last event of the log before an instant. */
export interface DashboardSources {
  /** The last event replayed; 0 when the instant is before the log's first event. */
  readonly position: number;
  readonly agreementExists: boolean;
  readonly commitments: readonly (CommitmentFacts & { readonly id: string })[];
  readonly openSessions: readonly ExistingSession[];
}

/**
 * Reads of the time-travel read model (libs/read-models time-travel.projection.ts, decision
 * 0039). Each answers undefined when the read model cannot serve (not kept by this API's
 * projection set, not caught up with the log within ACCORD_READ_WAIT_MS): the caller then
 * folds from the first event, as before, and the answer is the same, only slower.
 */
@Injectable()
export class TimeTravel {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  private async tablesAfter(position: number): Promise<Tables | undefined> {
    const runner = this.readModels.runner;
    if (!runner.projections.some((p) => p.name === PROJECTION)) return undefined;
    if (position > 0 && !(await runner.waitFor(PROJECTION, position, this.config.readWaitMs))) return undefined;
    return this.readModels.tables(PROJECTION, undefined);
  }

  /**
   * The latest snapshot of a commitment at or before `revision`, or whose events all occurred
   * at or before `asOfMs`; undefined when there is none (the fold starts from the first event).
   * Any snapshot the read model holds is of events already in the store, so no wait is needed.
   */
  async commitmentStart(
    id: string,
    cutoff: { revision: number } | { asOfMs: number } | undefined,
  ): Promise<StartingPoint | undefined> {
    const t = await this.tablesAfter(0);
    if (!t) return undefined;
    const table = `"${t.commitment_snapshots}"`;
    const [row] =
      cutoff && 'revision' in cutoff
        ? await this.readModels.db.query<SnapshotRow>(
            `SELECT revision, position, snapshot FROM ${table} WHERE commitment_id = ? AND revision <= ? ORDER BY revision DESC LIMIT 1`,
            [id, cutoff.revision],
          )
        : cutoff
          ? await this.readModels.db.query<SnapshotRow>(
              `SELECT revision, position, snapshot FROM ${table} WHERE commitment_id = ? AND max_instant <= ? ORDER BY revision DESC LIMIT 1`,
              [id, cutoff.asOfMs],
            )
          : await this.readModels.db.query<SnapshotRow>(
              `SELECT revision, position, snapshot FROM ${table} WHERE commitment_id = ? ORDER BY revision DESC LIMIT 1`,
              [id],
            );
    if (!row) return undefined;
    const revision = Number(row.revision);
    // The evidence list, put back together from each snapshot's share of it.
    const shares = await this.readModels.db.query<{ evidence: string }>(
      `SELECT evidence FROM ${table} WHERE commitment_id = ? AND revision <= ? ORDER BY revision`,
      [id, revision],
    );
    const evidence: EvidenceReport[] = [];
    for (const share of shares) for (const item of JSON.parse(share.evidence) as EvidenceReport[]) evidence.push(item);
    const snapshot = JSON.parse(row.snapshot) as CommitmentSnapshot;
    return {
      revision,
      position: Number(row.position),
      snapshot: { ...snapshot, record: { ...snapshot.record, evidence } },
    };
  }

  /**
   * The dashboard's sources at the last event before the first event of the log that occurred
   * after `asOfMs` (the cutoff of a replay), once the read model has followed the log to the
   * head it had when asked.
   */
  async dashboardAt(agreementId: string, asOfMs: number): Promise<DashboardSources | undefined> {
    const t = await this.tablesAfter(await findHeadPosition(this.store));
    if (!t) return undefined;
    const position = await this.lastPositionBefore(t, asOfMs);
    if (position === undefined) return undefined;
    const db = this.readModels.db;
    const [birth] = await db.query<{ position: unknown }>(
      `SELECT position FROM "${t.agreement_births}" WHERE agreement_id = ? AND position <= ?`,
      [agreementId, position],
    );
    if (!birth) return { position, agreementExists: false, commitments: [], openSessions: [] };
    /** Each entity's latest row of `table` at or before `position`, in one grouped query. */
    const latest = <R>(table: string, entity: string, columns: string) =>
      db.query<R>(
        `SELECT ${columns} FROM "${table}" r
         JOIN (SELECT ${entity}, MAX(position) AS at FROM "${table}"
               WHERE agreement_id = ? AND position <= ? GROUP BY ${entity}) latest
           ON r.${entity} = latest.${entity} AND r.position = latest.at`,
        [agreementId, position],
      );
    const facts = await latest<{ commitment_id: string; facts: string }>(
      t.commitment_facts,
      'commitment_id',
      'r.commitment_id, r.facts',
    );
    const sessions = await latest<{ status: string; state: string }>(
      t.session_snapshots,
      'session_id',
      'r.status, r.state',
    );
    return {
      position,
      agreementExists: true,
      commitments: facts.map((row) => ({ id: row.commitment_id, ...(JSON.parse(row.facts) as CommitmentFacts) })),
      openSessions: sessions.filter((s) => s.status === 'open').map((s) => JSON.parse(s.state) as ExistingSession),
    };
  }

  /**
   * The position of the last event before the log's first event that occurred after `asOfMs`
   * (0 when that is the first event), or of the last event the read model holds when none did.
   */
  private async lastPositionBefore(t: Tables, asOfMs: number): Promise<number | undefined> {
    const db = this.readModels.db;
    const [passing] = await db.query<BlockRow>(
      `SELECT block, first_position, last_position FROM "${t.log_blocks}" WHERE prefix_max > ? ORDER BY block LIMIT 1`,
      [asOfMs],
    );
    if (!passing) {
      const [last] = await db.query<{ last: unknown }>(`SELECT MAX(last_position) AS last FROM "${t.log_blocks}"`);
      return last?.last == null ? 0 : Number(last.last);
    }
    const first = Number(passing.first_position);
    const events = await this.store.readAll({ after: first - 1, maxCount: LOG_BLOCK });
    let before: number | undefined;
    for (const event of events) {
      if (eventInstant(event) > asOfMs) {
        if (before !== undefined) return before;
        const [previous] = await db.query<{ last_position: unknown }>(
          `SELECT last_position FROM "${t.log_blocks}" WHERE block < ? ORDER BY block DESC LIMIT 1`,
          [passing.block],
        );
        return previous ? Number(previous.last_position) : 0;
      }
      before = event.position;
    }
    return undefined; // the block's events are not where the read model saw them: fold from the start
  }
}

interface SnapshotRow {
  revision: unknown;
  position: unknown;
  snapshot: string;
}

interface BlockRow {
  block: unknown;
  first_position: unknown;
  last_position: unknown;
}
