import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';
import { LogService } from './log.service';

/** How often the checkpointer looks at the tree: often enough for ACCORD_CHECKPOINT_EVERY, never busy. */
const TICK_MS = 1_000;

/**
 * Signs a checkpoint once the tree has grown ACCORD_CHECKPOINT_EVERY events past the last
 * one, or ACCORD_CHECKPOINT_INTERVAL_MS after the last one when it has grown at all, on the
 * instances that run the workers. Two such instances sign the same heads: Ed25519 is
 * deterministic and the first insert wins, so they agree.
 */
@Injectable()
export class LogCheckpointer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Checkpoints');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastSignedAt = Date.now();
  private lastProblem: string | undefined;

  constructor(
    private readonly log: LogService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(
      () => {
        this.running ??= this.tick().finally(() => (this.running = undefined));
      },
      Math.min(TICK_MS, this.config.checkpointIntervalMs),
    );
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      const due = Date.now() - this.lastSignedAt >= this.config.checkpointIntervalMs;
      const made = await this.log.sign({ whenGrownBy: due ? 1 : this.config.checkpointEvery });
      if (made && made.createdAt >= new Date(this.lastSignedAt).toISOString()) this.lastSignedAt = Date.now();
      this.lastProblem = undefined;
    } catch (error) {
      // A tree that no longer extends the last checkpoint is said once, not every second.
      const message = (error as Error).message;
      if (message !== this.lastProblem) this.logger.error({ err: error }, 'no checkpoint signed');
      this.lastProblem = message;
    }
  }
}
