/**
 * Jest for `npm run test:mutation` (stryker.config.mjs): the unit specs under libs/ only, without
 * the global setup that builds dist/ for the crash and end-to-end suites, which no mutant reaches.
 * Stryker picks each library's own spec files from these (its `testFiles`).
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  roots: ['<rootDir>/libs'],
  testMatch: ['**/*.spec.ts'],
  transform: base.transform,
  moduleNameMapper: base.moduleNameMapper,
  testTimeout: base.testTimeout,
};
