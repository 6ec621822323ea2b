import type { ServerResponse } from 'node:http';

/**
 * One live-feed response, written through the raw Node response with a bound on what it
 * holds for a reader. Frames go straight to the socket while it keeps up; once `write()`
 * returns false they wait in this connection's queue for 'drain'. The queue and Node's own
 * buffer together may hold `maxBufferBytes`: a frame that would take them past it means the
 * reader has stopped (or is further behind the log than the bound allows), and the connection
 * is dropped: destroyed, so its memory goes, and the reader resumes from its Last-Event-ID.
 * A reader whose socket takes nothing for `stallMs` while frames wait is dropped too: a feed
 * that is paced by the socket, or a quiet log, would otherwise never fill the buffer.
 */
export class FeedConnection {
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private congested = false;
  private isClosed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly closeListeners: ((reason: CloseReason) => void)[] = [];
  private stall: NodeJS.Timeout | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly maxBufferBytes: number,
    private readonly stallMs: number,
  ) {
    response.on('drain', () => this.flush());
    // The reader went away (or the socket was destroyed): nothing more to write.
    response.on('close', () => this.close('disconnected'));
    response.on('error', () => this.close('disconnected'));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Bytes held for this reader: the queue and what Node has not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.response.writableLength;
  }

  onClose(listener: (reason: CloseReason) => void): void {
    this.closeListeners.push(listener);
  }

  /** Writes or queues a frame; false when the connection is closed, or was dropped by it. */
  send(frame: string): boolean {
    if (this.isClosed) return false;
    if (!this.congested) {
      if (!this.response.write(frame)) this.congest();
      return true;
    }
    const bytes = Buffer.byteLength(frame);
    if (this.bufferedBytes + bytes > this.maxBufferBytes) {
      this.drop('overflow');
      return false;
    }
    this.queue.push(frame);
    this.queuedBytes += bytes;
    return true;
  }

  /** Resolves once the socket has taken what was written (at once when it has), or the connection closed. */
  drained(): Promise<void> {
    if (!this.congested || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Ends the response: the reader reconnects with its last id. A reader whose socket is full
   * is cut instead, as a drain would otherwise wait for it; what it missed comes on resumption.
   */
  end(): void {
    if (this.isClosed) return;
    const congested = this.congested;
    this.close('ended');
    if (congested) this.response.destroy();
    else this.response.end();
  }

  private congest(): void {
    this.congested = true;
    this.stall ??= setTimeout(() => this.drop('stalled'), this.stallMs);
  }

  private drop(reason: 'overflow' | 'stalled'): void {
    this.close(reason);
    this.response.destroy();
  }

  private flush(): void {
    this.congested = false;
    while (this.queue.length > 0 && !this.congested) {
      const frame = this.queue.shift()!;
      this.queuedBytes -= Buffer.byteLength(frame);
      if (!this.response.write(frame)) this.congested = true;
    }
    // The socket took something: the reader is reading, so its stall clock starts again.
    clearTimeout(this.stall);
    this.stall = undefined;
    if (this.congested) this.congest();
    else this.wake();
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private close(reason: CloseReason): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.stall);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wake();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

/** Why a feed connection closed: the reader left, it was dropped (a full buffer, a stalled socket), or the server ended it. */
export type CloseReason = 'disconnected' | 'overflow' | 'stalled' | 'ended';
