// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist.next-*/**',
      'dist.old-*/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'bench/results/**',
      'openapi/**',
      'test/support/generated/**',
      'apps/console/src/api/openapi.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Dependencies point inward: the port and the domain know nothing of Nest, HTTP or storage drivers.
    files: ['libs/event-store/src/**/*.ts', 'libs/commitments/src/**/*.ts', 'libs/committee/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'fastify', 'better-sqlite3', 'pg', '@kurrent/*'],
              message: 'Keep this library free of frameworks and drivers.',
            },
            { group: ['@accord/event-store-*'], message: 'The port must not depend on an adapter.' },
          ],
        },
      ],
    },
  },
  {
    // The signed-note formats are pure (decision 0025): node:* and their own files only.
    // dependency-cruiser does not see npm packages (it excludes node_modules), so this rule does.
    files: ['libs/signed-note/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!node:|\\.{1,2}/)', message: 'libs/signed-note imports node:* and its own files only.' },
          ],
        },
      ],
    },
  },
  {
    // The Merkle tree is pure too (decision 0026): node:* and its own files only.
    files: ['libs/merkle/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(?!node:|\\.{1,2}/)', message: 'libs/merkle imports node:* and its own files only.' }],
        },
      ],
    },
  },
);
