import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/**
 * The rules of .dependency-cruiser.cjs on a small tree of files written to break them: each rule
 * must name the file that breaks it (`npm run lint:deps` passing on the real tree says nothing
 * unless the rules can fail).
 */
describe('the dependency rules', () => {
  let dir: string;
  let output: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'accord-deprules-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          baseUrl: './',
          paths: Object.fromEntries(
            ['commitments', 'committee', 'event-store'].flatMap((lib) => [
              [`@accord/${lib}`, [`libs/${lib}/src`]],
              [`@accord/${lib}/*`, [`libs/${lib}/src/*`]],
            ]),
          ),
        },
      }),
      'libs/commitments/src/index.ts': "export * from './decider';\n",
      'libs/commitments/src/decider.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'libs/committee/src/index.ts': "import { read } from '../../commitments/src/decider';\nexport const r = read;\n",
      'libs/event-store/src/index.ts': 'export const port = 1;\n',
      'libs/event-store-sqlite/src/index.ts':
        "import { r } from '@accord/committee';\nimport { port } from '@accord/event-store';\nexport const s = [r, port];\n",
      'libs/sql/src/index.ts': "import { t } from '../../../apps/api/src/a';\nexport const u = t;\n",
      'apps/api/src/a.ts': "import { read } from '@accord/commitments/decider';\nexport const t = read;\n",
      'bench/run.ts': "import { t } from '../apps/api/src/a';\nexport const v = t;\n",
      'apps/api/src/b.ts': "import { c } from './c';\nexport const b = c;\n",
      'apps/api/src/c.ts': "import { b } from './b';\nexport const c = () => b;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    try {
      output = execFileSync(
        process.execPath,
        [DEPCRUISE, 'apps', 'libs', 'bench', '--config', '.dependency-cruiser.cjs'],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['domain-is-pure', 'libs/commitments/src/decider.ts → fs'],
    ['no-relative-escapes', 'libs/committee/src/index.ts → libs/commitments/src/decider.ts'],
    ['libraries-through-their-entries', 'apps/api/src/a.ts → libs/commitments/src/decider.ts'],
    ['adapters-import-only-the-port', 'libs/event-store-sqlite/src/index.ts → libs/committee/src/index.ts'],
    ['libraries-never-import-apps', 'libs/sql/src/index.ts → apps/api/src/a.ts'],
    // A cycle is printed over several lines, from its first file.
    ['bench-through-app-entries', 'bench/run.ts → apps/api/src/a.ts'],
    ['no-circular', 'apps/api/src/b.ts → '],
  ])('%s names the file that breaks it', (rule, edge) => {
    expect(output).toContain(`error ${rule}: ${edge}`);
  });

  it('lets the adapter import the port by its entry', () => {
    expect(output).not.toContain('libs/event-store-sqlite/src/index.ts → libs/event-store/src/index.ts');
  });
});
