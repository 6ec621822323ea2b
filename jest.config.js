/** @type {import('jest').Config} */
const swcConfig = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
// Jest resolves the aliases itself (moduleNameMapper); swc only transpiles.
delete swcConfig.jsc.paths;
delete swcConfig.jsc.baseUrl;
delete swcConfig.$schema;

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  moduleNameMapper: {
    '^@accord/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@accord/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/test/support/contract-report.ts'],
  testTimeout: 60000,
  // Two cores: the heavy suites (crash, concurrency) must not starve each other.
  maxWorkers: 2,
};
