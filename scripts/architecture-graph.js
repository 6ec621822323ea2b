#!/usr/bin/env node
// `npm run graph`: draws the dependencies between the folders of apps/ and the libraries to
// docs/architecture.svg (dependency-cruiser's dot output, laid out by Graphviz compiled to
// WebAssembly, so no system package is needed). Specs, suites, the bench and npm packages
// are left out: the picture is of accord's own parts.
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

async function main() {
  const dot = execFileSync(
    process.execPath,
    [
      depcruise,
      'apps',
      'libs',
      '--config',
      '.dependency-cruiser.cjs',
      '--exclude',
      '(\\.spec\\.ts$|/testing/|/conformance/|^(bench|test|dist)/)',
      '--include-only',
      '^(apps|libs)/',
      '--collapse',
      '^(apps/cli|apps/console|apps/api/src/[^/]+|libs/[^/]+)',
      '--output-type',
      'dot',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  const svg = viz.renderString(dot, { format: 'svg', engine: 'dot' });
  const out = path.join(root, 'docs', 'architecture.svg');
  writeFileSync(out, svg);
  console.log(`wrote ${path.relative(root, out)} (${Math.round(svg.length / 1024)} KiB)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
