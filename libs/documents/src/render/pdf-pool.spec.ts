import { pdfRenderer, pdfWorkerScript } from './pdf-pool';
import { renderPdf } from './pdf-renderer';
import { arabicMinutes, frenchMinutes } from './sample-documents.fixture';

/**
 * PDFs drawn on worker threads (the API's way, so that a long document does not stall the
 * event loop) are the very bytes the CLI draws on its own thread: verification depends on it.
 * The worker runs the compiled script the suites' global setup builds into dist/.
 */
describe('the PDF worker pool', () => {
  it('is found, built, beside the source tree', () => {
    expect(pdfWorkerScript()).toMatch(/dist\/libs\/documents\/src\/render\/pdf-worker\.js$/);
  });

  it('draws on a worker thread the same bytes as on this thread, documents queued in order', async () => {
    const pool = pdfRenderer(1);
    try {
      expect(pool.threads).toBe(1);
      const [ar, fr] = await Promise.all([pool.render(arabicMinutes), pool.render(frenchMinutes)]);
      expect(ar.equals(await renderPdf(arabicMinutes))).toBe(true);
      expect(fr.equals(await renderPdf(frenchMinutes))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('refuses a document it cannot draw and goes on drawing the next', async () => {
    const pool = pdfRenderer(1);
    try {
      await expect(pool.render({ ...frenchMinutes, date: 'yesterday' })).rejects.toThrow(RangeError);
      expect((await pool.render(frenchMinutes)).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await pool.close();
    }
  });

  it('draws on the calling thread when asked for no threads', async () => {
    const inline = pdfRenderer(0);
    expect(inline.threads).toBe(0);
    expect((await inline.render(frenchMinutes)).equals(await renderPdf(frenchMinutes))).toBe(true);
    await inline.close();
  });
});
