import type { Tables } from '@accord/projection-runner';
import { ApiProblem } from '../http/api-docs.decorators';
import { ProblemException } from '../http/problem';
import type { ReadModels } from '../workers/read-models';

/**
 * The live tables of a read model, once they are of the version this code reads. After a
 * deploy that bumps a projection's version, the old version's tables serve until the new
 * one is built and swapped in (decision 0007); a query that needs the new version's columns
 * answers 503 (retry) meanwhile, instead of failing on a column that is not there.
 */
export async function currentTables(readModels: ReadModels, name: string, after?: number): Promise<Tables> {
  const tables = await readModels.tables(name, after);
  const entry = await readModels.runner.registry.get(name);
  const version = readModels.runner.projection(name).version;
  if (entry && entry.version !== version) {
    throw new ProblemException(
      503,
      'SERVICE_UNAVAILABLE',
      `The ${name} read model is being rebuilt for version ${version} (version ${entry.version} is live); retry shortly`,
      { projection: name },
    );
  }
  return tables;
}

/** The 503 of a route that reads through currentTables. */
export const ApiReadModelUnavailable = () =>
  ApiProblem(
    503,
    'SERVICE_UNAVAILABLE: the read model did not reach ?after= in time, or is being rebuilt for a new version; retry',
  );
