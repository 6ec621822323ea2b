/**
 * The boundaries of the code, checked by `npm run lint:deps` (part of `npm test`), and drawn
 * by `npm run graph` to docs/architecture.svg. docs/decisions/0017-layout-by-feature.md says why.
 */
const DOMAIN = '^libs/(commitments|committee)/src/';
const ADAPTERS = '^libs/event-store-(sqlite|postgres|kurrentdb)/src/';
/** Files that may reach a library's testing helpers: specs, the suites under test/, the bench. */
const TESTS = '(\\.spec\\.ts$|\\.e2e-spec\\.ts$|^test/|^bench/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter (a Nest token read before it is defined) and ties two files into one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The deciders are pure: no node:*, no Nest, no HTTP, no storage, no npm package at all. They import each other through their public entries only.',
      from: { path: DOMAIN, pathNot: TESTS },
      to: { pathNot: ['^libs/(commitments|committee)/src/'] },
    },
    {
      name: 'domain-specs-stay-in-the-domain',
      severity: 'error',
      comment: "A domain lib's specs use the domain libs, their testing entries and node:* only.",
      from: { path: `${DOMAIN}.*\\.spec\\.ts$` },
      to: { pathNot: ['^libs/(commitments|committee)/src/'], dependencyTypesNot: ['core', 'npm-dev'] },
    },
    {
      name: 'signed-note-is-a-leaf',
      severity: 'error',
      comment:
        'The signed-note formats (C2SP signed-note, tlog-checkpoint, tlog-cosignature) are a leaf: node:* and their own files, nothing else of ours, specs included (eslint keeps npm packages out: this cruise does not see them).',
      from: { path: '^libs/signed-note/src/' },
      to: { pathNot: ['^libs/signed-note/src/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'merkle-is-a-leaf',
      severity: 'error',
      comment:
        'The Merkle tree (RFC 9162 hashing, proofs, compact ranges; decision 0026) is a leaf: node:* and its own files, nothing else of ours, specs included (eslint keeps npm packages out).',
      from: { path: '^libs/merkle/src/' },
      to: { pathNot: ['^libs/merkle/src/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-import-only-the-port',
      severity: 'error',
      comment: 'A store adapter knows the port (@accord/event-store) and its own driver, nothing else of accord.',
      from: { path: ADAPTERS, pathNot: TESTS },
      to: { path: '^(libs|apps|bench|test)/', pathNot: ['^libs/event-store/src/index\\.ts$', '^libs/event-store-$1/'] },
    },
    {
      name: 'no-relative-escapes',
      severity: 'error',
      comment:
        'A library reaches another through its alias (@accord/x), never by a relative path out of its own folder.',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/$1/', dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'libraries-through-their-entries',
      severity: 'error',
      comment:
        "Apps, the bench and the other libraries import a library by its public entry (src/index.ts); a library's internals may change without notice.",
      from: { path: '^(apps|bench|libs/([^/]+))/', pathNot: TESTS },
      to: { path: '^libs/([^/]+)/', pathNot: ['^libs/[^/]+/src/index\\.ts$', '^libs/$2/'] },
    },
    {
      name: 'tests-through-entries-or-testing-helpers',
      severity: 'error',
      comment:
        "Specs and suites import a library by its entry, or its testing helpers (src/testing/, the port's src/conformance/).",
      from: { path: TESTS, pathNot: '^libs/([^/]+)/' },
      to: {
        path: '^libs/[^/]+/',
        pathNot: ['^libs/[^/]+/src/index\\.ts$', '^libs/[^/]+/src/testing/', '^libs/event-store/src/conformance/'],
      },
    },
    {
      name: 'lib-specs-through-entries-or-testing-helpers',
      severity: 'error',
      comment: "A library's specs reach other libraries as the suites do: entries and testing helpers.",
      from: { path: '^libs/([^/]+)/.*\\.spec\\.ts$' },
      to: {
        path: '^libs/',
        pathNot: [
          '^libs/$1/',
          '^libs/[^/]+/src/index\\.ts$',
          '^libs/[^/]+/src/testing/',
          '^libs/event-store/src/conformance/',
        ],
      },
    },
    {
      name: 'bench-through-app-entries',
      severity: 'error',
      comment: "The bench uses an app only through its entry (apps/*/src/index.ts): the API's internals may move.",
      from: { path: '^bench/' },
      to: { path: '^apps/', pathNot: '^apps/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'libraries-never-import-apps',
      severity: 'error',
      comment: 'The libraries are used by the apps, never the other way round.',
      from: { path: '^libs/' },
      to: { path: '^(apps|bench|test)/' },
    },
    {
      name: 'console-is-browser-code',
      comment:
        'The console (apps/console) runs in the browser and talks to the API over HTTP only, through the client generated from the OpenAPI document: it imports nothing of the server, the libraries or node:*.',
      severity: 'error',
      from: { path: '^apps/console/' },
      to: { path: ['^(libs|bench|test)/', '^apps/(?!console/)'] },
    },
    {
      name: 'console-imports-no-node',
      severity: 'error',
      comment: 'No node:* in browser code.',
      from: { path: '^apps/console/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'nothing-imports-the-console',
      severity: 'error',
      comment: 'The API serves the built console (dist/console) as files; no server or test code imports its source.',
      from: { path: '^(apps/(?!console/)|libs|bench|test)/' },
      to: { path: '^apps/console/' },
    },
    {
      name: 'production-code-never-imports-tests',
      severity: 'error',
      comment: 'Apps and libraries do not load the suites or the bench.',
      from: { path: '^(apps|libs)/', pathNot: TESTS },
      to: { path: ['^(bench|test)/', '\\.spec\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|reports|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // The picture (npm run graph): top to bottom, apps above the libraries they use.
    reporterOptions: {
      dot: {
        theme: {
          graph: { rankdir: 'TB', splines: 'true', ranksep: '0.9', nodesep: '0.35', fontname: 'Helvetica' },
          node: { fontname: 'Helvetica', fontsize: '12' },
          edge: { arrowsize: '0.7', color: '#00000055' },
        },
      },
    },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
