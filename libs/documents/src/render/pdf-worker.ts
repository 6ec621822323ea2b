import { parentPort } from 'node:worker_threads';
import type { DocumentModel } from './document-model';
import { renderPdf } from './pdf-renderer';

/**
 * A worker thread that draws PDFs (see pdf-pool.ts): drawing a long Arabic document takes
 * hundreds of milliseconds of CPU, which on the API's own thread would stall every request.
 */
parentPort?.on('message', (model: DocumentModel) => {
  renderPdf(model).then(
    (pdf) => {
      // A copy in an ArrayBuffer of its own, so that it can be transferred, not cloned.
      const bytes = new Uint8Array(pdf.byteLength);
      bytes.set(pdf);
      parentPort!.postMessage({ pdf: bytes }, [bytes.buffer]);
    },
    // A document it cannot draw is an answer, not the worker's failure (which fails its pool).
    (error: unknown) => parentPort!.postMessage({ refused: error instanceof Error ? error.message : String(error) }),
  );
});
