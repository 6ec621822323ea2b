import { Module } from '@nestjs/common';

/** Evidence files, content-addressed by SHA-256 and stored beside the event store. */
@Module({ controllers: [], providers: [], exports: [] })
export class EvidenceModule {}
