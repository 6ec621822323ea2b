export * from './render/document-model';
