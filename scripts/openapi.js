#!/usr/bin/env node
// `npm run openapi`: writes the OpenAPI document the API serves at /docs-json to
// openapi/accord.json, built from dist/ (run scripts/build.js first) on a `memory:` store with
// no workers, and generates the TypeScript types of the end-to-end suites' client from it
// (openapi-typescript) to test/support/generated/openapi.ts, and a copy for the console's client
// (apps/console/src/api/openapi.ts). `npm test` runs it before the
// type check, so a route whose document and answers drift apart fails `tsc` and the suites.
const { execFileSync } = require('node:child_process');
const { copyFileSync, mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const documentPath = path.join(root, 'openapi', 'accord.json');
const typesPath = path.join(root, 'test', 'support', 'generated', 'openapi.ts');
const consoleTypesPath = path.join(root, 'apps', 'console', 'src', 'api', 'openapi.ts');

async function main() {
  require('reflect-metadata');
  const { readApiConfig } = require(path.join(root, 'dist/apps/api/src/infrastructure/api-config.js'));
  const { createApp } = require(path.join(root, 'dist/apps/api/src/create-app.js'));
  const config = readApiConfig({
    ACCORD_STORE: 'memory:',
    ACCORD_WORKERS: 'off',
    ACCORD_ADMIN_KEY: 'openapi-document-only-0123456789',
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config, { logger: false });
  const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
  await app.close();
  if (response.statusCode !== 200) throw new Error(`/docs-json answered ${response.statusCode}`);
  const document = JSON.parse(response.body);
  mkdirSync(path.dirname(documentPath), { recursive: true });
  writeFileSync(documentPath, `${JSON.stringify(document, null, 2)}\n`);

  mkdirSync(path.dirname(typesPath), { recursive: true });
  const cli = path.join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
  execFileSync(
    process.execPath,
    [
      cli,
      documentPath,
      '--output',
      typesPath,
      '--alphabetize',
      '--default-non-nullable',
      'false',
      '--redocly',
      path.join(__dirname, 'openapi-typescript.redocly.yaml'),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  copyFileSync(typesPath, consoleTypesPath);
  console.log(
    `openapi: ${path.relative(root, documentPath)} (${Object.keys(document.paths).length} paths), ${path.relative(root, typesPath)}, ${path.relative(root, consoleTypesPath)}`,
  );
}

main().catch((error) => {
  console.error(`openapi: ${error.stack ?? error}`);
  process.exit(1);
});
