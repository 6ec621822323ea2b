import type { EventStore } from '@accord/event-store';
import {
  CheckpointStore,
  cosignedNote,
  LOG_TREE,
  logVerifierKeys,
  openLogIdentity,
  readWitnesses,
  SqlLogTree,
  toBase64,
  type LogIdentity,
  type StoredCheckpoint,
  type StoredCosignature,
  type TreeHead,
} from '@accord/log-tree';
import { sameHash } from '@accord/merkle';
import { quote } from '@accord/sql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { CLOCK, type Clock } from '../infrastructure/clock';
import { EVENT_STORE } from '../infrastructure/event-store.module';
import { ReadModels } from '../workers/read-models';
import { ProblemException } from '../http/problem';
import { IntegrityMonitor } from './integrity-monitor';

/** A checkpoint as the API answers it: the signed note with every cosignature, and who cosigned. */
export interface CheckpointView {
  treeSize: number;
  rootHash: string;
  position: number;
  createdAt: string;
  note: string;
  cosignatures: { witness: string; party: string; keyId: string; timestamp: number; receivedAt: string }[];
  agreements: { agreementId: string; title: string; parties: string[]; cosignedBy: string[]; cosignedByAll: boolean }[];
}

/**
 * The log's Merkle tree, its identity and its checkpoints, for the API (decisions 0025 to 0027).
 * The tree is a projection (libs/log-tree) read from its live tables; checkpoints and
 * cosignatures are kept for good beside the API's state.
 */
@Injectable()
export class LogService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Log');
  private identityReady: Promise<LogIdentity> | undefined;
  readonly checkpoints: CheckpointStore;
  /** Checkpoints are signed one at a time in this process. */
  private signing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly integrity: IntegrityMonitor,
  ) {
    this.checkpoints = new CheckpointStore(readModels.db);
  }

  async onApplicationBootstrap(): Promise<void> {
    const identity = await this.identity();
    if (identity.generated && this.config.logLevel !== 'silent') {
      process.stdout.write(
        `\naccord: no ACCORD_LOG_KEY was set, so the log's signing key was generated and kept in the database.\n` +
          `Give auditors and witnesses its verifier key (also at GET /audit/log-key):\n\n  ${identity.verifierKey}\n\n`,
      );
    }
    this.logger.log({ origin: identity.origin, verifierKey: identity.verifierKey, source: identity.source }, 'log key');
  }

  identity(): Promise<LogIdentity> {
    this.identityReady ??= openLogIdentity(this.readModels.db, this.config.logKey, () => this.clock.now());
    this.identityReady.catch(() => (this.identityReady = undefined));
    return this.identityReady;
  }

  verifierKeys(): Promise<string[]> {
    return logVerifierKeys(this.readModels.db);
  }

  async tree(): Promise<SqlLogTree> {
    return new SqlLogTree(this.readModels.db, await this.readModels.runner.tables(LOG_TREE));
  }

  /** The tree once it covers the log up to `position` (bounded wait), else 503. */
  async treeAt(position: number): Promise<SqlLogTree> {
    if (position > 0 && !(await this.readModels.runner.waitFor(LOG_TREE, position, this.config.readWaitMs))) {
      throw new ProblemException(
        503,
        'SERVICE_UNAVAILABLE',
        `The log tree has not reached position ${position} within ${this.config.readWaitMs} ms; retry shortly`,
        { projection: LOG_TREE },
      );
    }
    return this.tree();
  }

  /**
   * Signs the tree's head as a checkpoint, unless it is the last one's size. Refuses to sign a
   * tree that does not extend the last checkpoint (the log was rewritten or truncated under
   * the API): an honest operator never signs a fork; verify and the witnesses say where.
   */
  sign(options: { whenGrownBy?: number; headOf?: SqlLogTree } = {}): Promise<StoredCheckpoint | undefined> {
    const next = this.signing.then(async () => {
      const tree = options.headOf ?? (await this.tree());
      const head = await tree.head();
      const last = await this.checkpoints.latest();
      if (last && head.size === last.treeSize && sameHash(head.root, last.rootHash)) return last;
      // The timer signs only a tree that has grown (never the empty one); on demand, any head.
      const grown = head.size - (last?.treeSize ?? 0);
      if (options.whenGrownBy !== undefined && grown >= 0 && grown < Math.max(1, options.whenGrownBy)) return undefined;
      await this.assertExtends(tree, head, last);
      const identity = await this.identity();
      const made = await this.checkpoints.record(identity.origin, identity.signer, head, this.clock.now());
      this.logger.log({ treeSize: made.treeSize, position: made.position }, 'checkpoint signed');
      return made;
    });
    this.signing = next.catch(() => undefined);
    return next;
  }

  private async assertExtends(tree: SqlLogTree, head: TreeHead, last: StoredCheckpoint | undefined): Promise<void> {
    if (!last || last.treeSize === 0) return;
    const rewritten = (detail: string) =>
      new ProblemException(409, 'CONFLICT', `${detail}: no checkpoint is signed over it; run accord audit verify`, {
        lastCheckpoint: last.treeSize,
        treeSize: head.size,
      });
    const problem =
      head.size < last.treeSize
        ? `The tree has ${head.size} leaves, fewer than the last checkpoint's ${last.treeSize}`
        : !sameHash(await tree.root(last.treeSize), last.rootHash)
          ? `The tree's first ${last.treeSize} leaves no longer have the root of the last checkpoint`
          : undefined;
    if (problem === undefined) return;
    this.integrity.recordCheckpoint({ lastCheckpoint: last.treeSize, treeSize: head.size, detail: problem });
    throw rewritten(problem);
  }

  async view(checkpoint: StoredCheckpoint): Promise<CheckpointView> {
    return (await this.views([checkpoint]))[0];
  }

  async views(checkpoints: readonly StoredCheckpoint[]): Promise<CheckpointView[]> {
    const cosignatures = await this.checkpoints.cosignaturesOf(checkpoints.map((c) => c.treeSize));
    const agreements = await this.agreementParties();
    return checkpoints.map((checkpoint) => {
      const cosigned = cosignatures.get(checkpoint.treeSize) ?? [];
      return viewOf(checkpoint, cosigned, agreements);
    });
  }

  witnesses() {
    return readWitnesses(this.store);
  }

  /** Every agreement with its parties, from the agreements read model. */
  private async agreementParties(): Promise<{ id: string; title: string; parties: string[] }[]> {
    const tables = await this.readModels.runner.tables('agreements');
    const rows = await this.readModels.db.query<{ id: string; state: string }>(
      `SELECT id, state FROM ${quote(tables.agreements)} ORDER BY id`,
    );
    return rows.flatMap((row) => {
      const state = JSON.parse(row.state) as { title?: string; parties?: { code: string }[] };
      return state.parties ? [{ id: row.id, title: state.title ?? '', parties: state.parties.map((p) => p.code) }] : [];
    });
  }
}

function viewOf(
  checkpoint: StoredCheckpoint,
  cosignatures: readonly StoredCosignature[],
  agreements: readonly { id: string; title: string; parties: string[] }[],
): CheckpointView {
  const parties = new Set(cosignatures.map((c) => c.party));
  return {
    treeSize: checkpoint.treeSize,
    rootHash: toBase64(checkpoint.rootHash),
    position: checkpoint.position,
    createdAt: checkpoint.createdAt,
    note: cosignedNote(checkpoint, cosignatures),
    cosignatures: cosignatures.map((c) => ({
      witness: c.witness,
      party: c.party,
      keyId: c.keyId,
      timestamp: c.timestamp,
      receivedAt: c.receivedAt,
    })),
    agreements: agreements.map((a) => {
      const cosignedBy = a.parties.filter((p) => parties.has(p));
      return {
        agreementId: a.id,
        title: a.title,
        parties: a.parties,
        cosignedBy,
        cosignedByAll: a.parties.length > 0 && cosignedBy.length === a.parties.length,
      };
    }),
  };
}
