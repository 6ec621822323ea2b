import 'reflect-metadata';
import { readApiConfig } from './infrastructure/api-config';
import { serve } from './serve';

// Inside a promise, so that a configuration error is reported like any failure to start.
Promise.resolve()
  .then(() => serve(readApiConfig()))
  .catch((error: unknown) => {
    console.error(`accord api failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
