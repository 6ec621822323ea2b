import { pdfRenderer, type PdfRenderer } from '@accord/documents';
import { Global, Inject, Injectable, Logger, Module, type OnModuleDestroy } from '@nestjs/common';
import type { ApiConfig } from '../infrastructure/api-config';
import { API_CONFIG } from '../infrastructure/api-config.provider';

/**
 * Draws the PDFs the API serves (minutes, addenda, the results report, the open-data archive)
 * on worker threads (ACCORD_PDF_THREADS, 1 by default): a long Arabic document is hundreds of
 * milliseconds of CPU that would otherwise stall every other request.
 */
@Injectable()
export class PdfService implements OnModuleDestroy {
  private readonly renderer: PdfRenderer;

  constructor(@Inject(API_CONFIG) config: ApiConfig) {
    this.renderer = pdfRenderer(config.pdfThreads ?? 1);
    if ((config.pdfThreads ?? 1) > 0 && this.renderer.threads === 0) {
      new Logger(PdfService.name).warn('the PDF worker script is not built: PDFs are drawn on the event loop');
    }
  }

  render: PdfRenderer['render'] = (model) => this.renderer.render(model);

  onModuleDestroy(): Promise<void> {
    return this.renderer.close();
  }
}

@Global()
@Module({ providers: [PdfService], exports: [PdfService] })
export class DocumentsModule {}
