/**
 * The API as `npm start` runs it, but with the workers running every read model except the
 * log tree: the bench's "without the tree" side of the commands/s comparison (issue 16).
 */
import 'reflect-metadata';
import { readApiConfig, serve } from '../../apps/api/src/index';
import { LOG_TREE } from '@accord/log-tree';
import { allProjections } from '@accord/read-models';

Promise.resolve()
  .then(() => serve(readApiConfig(), { projections: allProjections.filter((p) => p.name !== LOG_TREE) }))
  .catch((error: unknown) => {
    console.error(`accord api failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
