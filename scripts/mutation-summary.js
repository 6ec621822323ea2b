#!/usr/bin/env node
// The per-file table of Stryker JSON reports (default: reports/mutation/*/mutation.json).
// score = (killed + timeout) / (killed + timeout + survived + no coverage): compile errors,
// runtime errors and ignored mutants are left out, as in Stryker's own mutation score.
// `--survivors` lists each surviving or uncovered mutant. Exits 1 when a file is under the bar.
const fs = require('node:fs');
const path = require('node:path');

const BAR = 90;
const root = path.join(__dirname, '..');

const args = process.argv.slice(2);
const listSurvivors = args.includes('--survivors');
let reports = args.filter((arg) => arg !== '--survivors');
if (reports.length === 0) {
  const dir = path.join(root, 'reports', 'mutation');
  reports = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .map((name) => path.join(dir, name, 'mutation.json'))
        .filter((file) => fs.existsSync(file))
    : [];
}
if (reports.length === 0) {
  console.error('No mutation report found: run npm run test:mutation first');
  process.exit(2);
}

const rows = [];
const survivors = [];
for (const report of reports) {
  const { files } = JSON.parse(fs.readFileSync(report, 'utf8'));
  for (const [file, { mutants, source }] of Object.entries(files)) {
    const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
    const detected = count('Killed', 'Timeout');
    const undetected = count('Survived', 'NoCoverage');
    rows.push({
      file: path.relative(root, path.resolve(root, file)),
      killed: count('Killed'),
      timeout: count('Timeout'),
      survived: count('Survived'),
      noCoverage: count('NoCoverage'),
      ignored: count('Ignored'),
      errors: count('CompileError', 'RuntimeError'),
      score: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
    });
    const lines = source.split('\n');
    for (const m of mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')) {
      const { line, column } = m.location.start;
      const original = lines[line - 1].trim();
      survivors.push(
        `${file}:${line}:${column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}\n    ${original}`,
      );
    }
  }
}

const header = ['file', 'killed', 'timeout', 'survived', 'no coverage', 'ignored', 'errors', 'score'];
const table = rows.map((r) => [
  r.file,
  r.killed,
  r.timeout,
  r.survived,
  r.noCoverage,
  r.ignored,
  r.errors,
  `${r.score.toFixed(1)}%`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
const line = (cells) =>
  `| ${cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' | ')} |`;
console.log(`\n${line(header)}`);
console.log(`| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
for (const row of table) console.log(line(row));

if (listSurvivors && survivors.length > 0) console.log(`\nSurvivors and uncovered mutants:\n${survivors.join('\n')}`);
const under = rows.filter((r) => r.score < BAR);
if (under.length > 0) {
  console.log(`\nUnder the ${BAR}% bar: ${under.map((r) => r.file).join(', ')}`);
  process.exit(1);
}
console.log(`\nEvery file scores ${BAR}% or more.`);
