import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { CLOCK, type Clock } from '../infrastructure/clock';

/** How an event was found not to be what its hash says. */
export type IntegrityProblem = 'hash-mismatch' | 'chain-broken';

/** An event the API read and found broken: its stored hash is not its content's, or its prevHash links nowhere. */
export interface IntegrityFinding {
  readonly problem: IntegrityProblem;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  /** The hash the event carries, and the one recomputed from its content. */
  readonly storedHash: string | null;
  readonly recomputedHash: string;
  /** What read it: a raw-events route (`events`) or the digest (`digest`). */
  readonly foundBy: 'events' | 'digest';
  /** When this instance first found it. */
  readonly foundAt: string;
}

/** The log tree no longer extends the last signed checkpoint: the log under it was rewritten or cut. */
export interface CheckpointFinding {
  readonly lastCheckpoint: number;
  readonly treeSize: number;
  readonly detail: string;
  readonly foundAt: string;
}

export interface IntegrityStatus {
  /** The first finding since this instance started, if any. */
  readonly first?: IntegrityFinding;
  /** The first time this instance would not sign a checkpoint because the tree forks from the last one. */
  readonly checkpoint?: CheckpointFinding;
  /** Distinct events found broken since then (at most MAX_EVENTS_COUNTED are counted). */
  readonly events: number;
}

/** Distinct events remembered, so that reading a broken event again neither counts nor logs it twice. */
export const MAX_EVENTS_COUNTED = 10_000;

/**
 * What the API's own reads found wrong with the log: the raw-events routes and the digest
 * recompute every event's hash they serve, and record here each one that does not match.
 * /health reports integrity degraded from the first finding on. Kept in this process only:
 * a restart forgets, and the next read of the broken event (or the first /audit/digest,
 * which reads the whole log) finds it again. `accord audit verify` is the full check.
 */
@Injectable()
export class IntegrityMonitor {
  private readonly logger = new Logger('Integrity');
  private first?: IntegrityFinding;
  private checkpoint?: CheckpointFinding;
  /** Positions of the events found broken. */
  private readonly seen = new Set<number>();

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  record(finding: Omit<IntegrityFinding, 'foundAt'>): void {
    if (this.seen.has(finding.position) || this.seen.size >= MAX_EVENTS_COUNTED) return;
    this.seen.add(finding.position);
    const found = { ...finding, foundAt: this.clock.now().toISOString() };
    this.first ??= found;
    this.logger.error(
      `${found.streamId} revision ${found.revision} (position ${found.position}): ${found.problem}, found by ${found.foundBy}`,
    );
  }

  /** The checkpointer found the tree no longer extends the last checkpoint (said once; kept until restart). */
  recordCheckpoint(finding: Omit<CheckpointFinding, 'foundAt'>): void {
    if (this.checkpoint) return;
    this.checkpoint = { ...finding, foundAt: this.clock.now().toISOString() };
    this.logger.error(`no checkpoint signed: ${finding.detail}`);
  }

  status(): IntegrityStatus {
    return {
      ...(this.first ? { first: this.first } : {}),
      ...(this.checkpoint ? { checkpoint: this.checkpoint } : {}),
      events: this.seen.size,
    };
  }
}

/**
 * The monitor, one for the whole app: the audit reads record into it and the health check
 * reads it. Global, so that both features reach it without importing each other.
 */
@Global()
@Module({ providers: [IntegrityMonitor], exports: [IntegrityMonitor] })
export class IntegrityModule {}
