import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadPool, type ThreadPool } from '@accord/audit';
import type { DocumentModel } from './document-model';
import { renderPdf } from './pdf-renderer';

export interface PdfRenderer {
  /** Worker threads drawing PDFs; 0 when they are drawn on the calling thread. */
  readonly threads: number;
  render(model: DocumentModel): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * The compiled worker: beside this file in dist/, or, when this file runs from its TypeScript
 * source (the test suites), in the dist/ that the suites' global setup builds.
 */
export function pdfWorkerScript(): string | null {
  const beside = join(__dirname, 'pdf-worker.js');
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'libs', 'documents', 'src', 'render', 'pdf-worker.js');
      return existsSync(built) ? built : null;
    }
  }
  return null;
}

/**
 * PDFs drawn by `threads` worker threads, one document each at a time, the others queued:
 * the API's event loop keeps answering while a long document is drawn. The output is the
 * same bytes renderPdf gives (the renderer is deterministic). A worker that dies is replaced
 * for the next document; the documents it held fail.
 */
export function pdfRenderer(threads: number): PdfRenderer {
  const script = threads > 0 ? pdfWorkerScript() : null;
  if (script === null) {
    return { threads: 0, render: (model) => renderPdf(model), close: async () => undefined };
  }
  type Reply = { pdf?: Uint8Array; refused?: string; error?: string };
  let pool: ThreadPool<Reply> | null = null;
  const current = () => (pool ??= threadPool<Reply>(script, threads));
  return {
    threads,
    async render(model) {
      const used = current();
      let reply: Reply;
      try {
        reply = await used.run(model);
      } catch (error) {
        // The worker died (the pool fails every later job): the next document gets a new pool.
        if (pool === used) {
          pool = null;
          void used.close();
        }
        throw error;
      }
      if (reply.refused !== undefined) throw new RangeError(reply.refused);
      return Buffer.from(reply.pdf!.buffer, reply.pdf!.byteOffset, reply.pdf!.byteLength);
    },
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}
