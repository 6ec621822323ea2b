// @ts-check
/**
 * `npm run test:mutation` (scripts/mutation.js) runs Stryker once per group below, with
 * ACCORD_MUTATION_LIB naming the group: each library's files are mutated and tested against
 * that library's own specs only, never the end-to-end suites. docs/testing.md says what the
 * scores mean and which survivors are left on purpose.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `specs`: the group's own specs. `sandbox`: the libraries copied for the test runner, those
 * its files and specs import, without any other spec file, since the jest runner runs every
 * spec it finds for a mutant that acts at load time (Stryker's `testFiles` would name the
 * specs, but 9.6.1 then runs no test at all for such a "static" mutant).
 * `types`: the global declarations the mutated files need (@types/node alone is 50,000 lines
 * that the checker parses again for every mutant).
 */
export const groups = {
  commitments: {
    mutate: ['libs/commitments/src/commitment.decider.ts'],
    specs: ['libs/commitments/**/*.spec.ts'],
    sandbox: ['libs/commitments'],
    types: [],
  },
  committee: {
    mutate: ['libs/committee/src/session.decider.ts'],
    specs: ['libs/committee/**/*.spec.ts'],
    sandbox: ['libs/commitments', 'libs/committee'],
    types: [],
  },
  audit: {
    mutate: ['libs/audit/src/event-hash.ts', 'libs/audit/src/log-digest.ts'],
    specs: ['libs/audit/**/*.spec.ts'],
    sandbox: [
      'libs/audit',
      'libs/event-store',
      'libs/event-store-sqlite',
      'libs/event-store-postgres',
      'libs/event-store-kurrentdb',
      'libs/store-factory',
    ],
    types: ['node'],
  },
  'event-store': {
    mutate: ['libs/event-store/src/append-rules.ts', 'libs/event-store/src/canonical-json.ts'],
    specs: ['libs/event-store/**/*.spec.ts'],
    sandbox: ['libs/event-store'],
    types: [],
  },
};

/** gitignore-style patterns that leave only the configs, `paths` and `specs` in the sandbox. */
function sandboxOnly(paths, specs) {
  const patterns = [
    '/*',
    '!/package.json',
    '!/tsconfig.json',
    '!/.swcrc',
    '!/jest.config.js',
    '!/jest.mutation.config.js',
  ];
  const opened = new Set();
  for (const path of paths) {
    const parts = path.split('/');
    // Re-include each parent folder, leaving out its other entries, down to the path itself.
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!opened.has(parent)) {
        opened.add(parent);
        patterns.push(`!/${parent}`, `/${parent}/*`);
      }
    }
    patterns.push(`!/${path}`);
  }
  patterns.push('*.spec.ts', ...specs.map((spec) => `!/${spec}`));
  return patterns;
}

const name = process.env.ACCORD_MUTATION_LIB;
const group = name === undefined ? undefined : groups[/** @type {keyof typeof groups} */ (name)];
if (name !== undefined && group === undefined) {
  throw new Error(`ACCORD_MUTATION_LIB names none of ${Object.keys(groups).join(', ')}`);
}

/**
 * The TypeScript checker works in the repository, not the sandbox, and re-checks every file
 * of its project that imports a mutated one: with tsconfig.json (apps, tests, benchmarks)
 * that is seconds a mutant. Its project here is the mutated files alone (and what they
 * import), written beside the group's reports.
 */
function checkerProject() {
  if (group === undefined) return 'tsconfig.json';
  const dir = join('reports', 'mutation', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tsconfig.json');
  const project = {
    extends: '../../../tsconfig.json',
    compilerOptions: { types: group.types },
    include: [],
    files: group.mutate.map((f) => `../../../${f}`),
  };
  writeFileSync(file, `${JSON.stringify(project, null, 2)}\n`);
  return file;
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  checkers: ['typescript'],
  // The prose of domain errors is left out (scripts/mutation-error-texts.mjs, docs/testing.md).
  appendPlugins: ['./scripts/mutation-error-texts.mjs'],
  ignorers: ['error-texts'],
  tsconfigFile: checkerProject(),
  coverageAnalysis: 'perTest',
  // Without ACCORD_MUTATION_LIB (this file imported for `groups`), nothing to mutate.
  mutate: group?.mutate ?? [],
  concurrency: availableParallelism(),
  reporters: ['html', 'json', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${name}/mutation.html` },
  jsonReporter: { fileName: `reports/mutation/${name}/mutation.json` },
  // The sandbox holds the group's libraries and the configs only (tsconfig.json's other globs
  // then match nothing), outside the work tree so that `eslint .` never sees a mutated copy.
  tempDirName: join(tmpdir(), `accord-stryker-${name}`),
  ignorePatterns: sandboxOnly(group?.sandbox ?? [], group?.specs ?? []),
  thresholds: { high: 90, low: 80, break: null },
};
