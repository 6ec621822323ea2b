import { Worker, type Transferable, type WorkerOptions } from 'node:worker_threads';

/** A reply from a pooled worker: its answer, or the message of the error it caught. */
export interface ThreadReply {
  readonly error?: string;
}

/** A fixed set of worker threads running one script, each given one message at a time. */
export interface ThreadPool<Reply extends ThreadReply> {
  readonly size: number;
  /** Posts `message` to the next idle worker; resolves with its reply, rejects with its error. */
  run(message: unknown, transfer?: readonly Transferable[]): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * `size` workers of `script` (at least one), a queue for the messages that wait for one. A
 * worker that dies fails every job in flight or queued, and every later one, with its error.
 * Shared by `accord audit verify` (chunks of the log) and verify-bundle (blocks of a bundle).
 */
export function threadPool<Reply extends ThreadReply>(
  script: string,
  size: number,
  options: WorkerOptions = {},
): ThreadPool<Reply> {
  type Job = {
    message: unknown;
    transfer?: readonly Transferable[];
    resolve: (reply: Reply) => void;
    reject: (error: unknown) => void;
  };
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  let failure: unknown;
  const start = (): Worker => {
    const worker = new Worker(script, options);
    worker.on('message', (reply: Reply) => {
      const job = busy.get(worker)!;
      busy.delete(worker);
      if (reply.error !== undefined) job.reject(new Error(reply.error));
      else job.resolve(reply);
      idle.push(worker);
      pump();
    });
    worker.on('error', (error) => {
      failure = error;
      for (const job of [...busy.values(), ...queue.splice(0)]) job.reject(error);
      busy.clear();
    });
    return worker;
  };
  const workers = Array.from({ length: Math.max(1, size) }, start);
  idle.push(...workers);
  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.shift()!;
      const job = queue.shift()!;
      busy.set(worker, job);
      worker.postMessage(job.message, job.transfer as Transferable[] | undefined);
    }
  };
  return {
    size: workers.length,
    run: (message, transfer) =>
      new Promise<Reply>((resolve, reject) => {
        if (failure) return reject(failure);
        queue.push({ message, transfer, resolve, reject });
        pump();
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
