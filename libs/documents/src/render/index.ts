export * from './document-model';
export { renderHtml, accordHtmlRenderer } from './html-renderer';
export { renderPdf } from './pdf-renderer';
export { readPdfMetadata, accordPdfRenderer, PDF_RENDERER, type PdfMetadata } from './pdf-metadata';
export { pdfRenderer, pdfWorkerScript, type PdfRenderer } from './pdf-pool';
