/**
 * Puts a full run's results into docs/performance.md (between its bench markers: the
 * machine and the table) and draws docs/performance.svg (every figure that has a target,
 * as a multiple of it). Run after `npm run bench`:
 *
 *     node dist/bench/report.js [bench/results/<timestamp>.json]   (default: the latest full run)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, meets, ordered, shortfall, table, type Figure } from './support/figures';
import type { Machine } from './support/machine';

const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
const BEGIN = '<!-- bench:begin (written by bench/report.ts) -->';
const END = '<!-- bench:end -->';

interface Results {
  at: string;
  quick: boolean;
  seconds: number;
  machine: Machine & { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  skipped: string[];
  figures: Figure[];
}

/** How many times its target a figure is (above 1: met), for the chart; undefined without a target. */
export function againstTarget(figure: Figure): number | undefined {
  if (!figure.target || figure.value === null) return undefined;
  const match = /^(>=|<=)\s*([\d.]+)(x (limit|peer))?$/.exec(figure.target.trim());
  if (!match) return undefined;
  let bound = Number(match[2]);
  if (match[4] === 'limit') bound *= figure.limit ?? NaN;
  if (match[4] === 'peer') bound *= figure.peer ?? NaN;
  if (!Number.isFinite(bound) || bound === 0) return undefined;
  return match[1] === '>=' ? figure.value / bound : bound / Math.max(figure.value, 1e-9);
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar per figure with a target, on a log scale, 1 = the target. */
export function chart(results: Results): string {
  const rows = ordered(results.figures)
    .map((f) => ({ f, x: againstTarget(f) }))
    .filter((r): r is { f: Figure; x: number } => r.x !== undefined);
  const labelWidth = 560;
  const plotWidth = 420;
  const rowHeight = 22;
  const top = 64;
  const height = top + rows.length * rowHeight + 48;
  const width = labelWidth + plotWidth + 90;
  const min = 0.01;
  const max = 100;
  const scale = (v: number) =>
    labelWidth + (Math.log10(Math.min(max, Math.max(min, v)) / min) / Math.log10(max / min)) * plotWidth;
  const ticks = [0.01, 0.1, 0.5, 1, 2, 10, 100];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">accord against its targets: ${escape(results.at.slice(0, 10))}, ${results.machine.cores} cores (${escape(results.machine.cpu)})</text>`,
    `<text x="12" y="42" fill="#444">Each bar is the figure as a multiple of its target (log scale); right of the line at 1 the target is met. Latency targets are inverted (target ÷ figure).</text>`,
  ];
  for (const t of ticks) {
    const x = scale(t);
    parts.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${top + rows.length * rowHeight}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
      `<text x="${x}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#444">${t}×</text>`,
    );
  }
  rows.forEach(({ f, x }, i) => {
    const y = top + i * rowHeight;
    const label = `${f.scenario.replace(/^\d+ /, '')} · ${f.store} · ${f.metric}`;
    const short = label.length > 92 ? `${label.slice(0, 89)}…` : label;
    const ok = meets(f) === true;
    const start = scale(1);
    const end = scale(x);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escape(short)}</text>`,
      `<rect x="${Math.min(start, end)}" y="${y + 4}" width="${Math.max(1, Math.abs(end - start))}" height="${rowHeight - 8}" fill="${ok ? '#2e7d32' : '#c62828'}"/>`,
      `<text x="${Math.max(start, end) + 4}" y="${y + 15}" fill="#222">${x >= 10 ? x.toFixed(0) : x > 0.95 && x < 1.05 ? x.toFixed(3) : x.toFixed(2)}×</text>`,
    );
  });
  parts.push(
    `<text x="12" y="${height - 10}" fill="#444">green: met · red: missed · from bench/results/${escape(results.at.replace(/[:.]/g, '-'))}.json</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function machineSection(results: Results): string {
  const m = results.machine;
  return [
    `Measured ${results.at.slice(0, 16).replace('T', ' ')} UTC in ${Math.floor(results.seconds / 60)} min ${results.seconds % 60} s` +
      ` (\`npm run bench\`, load average ${m.loadAverageAtStart.join(' ')} at the start and ${m.loadAverageAtEnd.join(' ')} at the end).`,
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores (nproc), shared with other tenants`,
    `- Memory: ${m.memoryGiB} GiB`,
    `- Disk: ${m.disk}`,
    `- Linux ${m.kernel}, Node.js ${m.node}${m.postgres ? `, ${m.postgres} on the same machine` : ''}`,
    ...(results.skipped.length ? [`- Skipped: ${results.skipped.join('; ')}`] : []),
  ].join('\n');
}

function latestFull(): string {
  const files = readdirSync(RESULTS)
    .filter((f) => /^\d{4}-.*Z\.json$/.test(f))
    .sort();
  if (files.length === 0) throw new Error('No full run in bench/results: run `npm run bench` first');
  return join(RESULTS, files[files.length - 1]);
}

function main(): void {
  const file = process.argv[2] ?? latestFull();
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  if (results.quick) throw new Error(`${file} is a --quick run; docs/performance.md keeps a full one`);
  const doc = join(ROOT, 'docs', 'performance.md');
  const text = readFileSync(doc, 'utf8');
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${BEGIN} … ${END} section`);
  const missed = ordered(results.figures).filter((f) => meets(f) === false);
  const notes = [
    `${results.figures.filter((f) => meets(f) === true).length} targets met, ${missed.length} missed` +
      (missed.length ? ':\n' : '.'),
    ...missed.map(
      (f) =>
        `- ${f.scenario}, ${f.store}: ${f.metric}: ${format(f.value, f.unit)} ${f.unit} (target ${f.target}; ${shortfall(f)})`,
    ),
    ...results.figures.filter((f) => f.note).map((f) => `- Note, ${f.scenario}, ${f.store}, ${f.metric}: ${f.note}`),
  ].join('\n');
  const section = `${BEGIN}\n\n${machineSection(results)}\n\n${table(results.figures)}\n\n${notes}\n\n${END}`;
  writeFileSync(doc, text.slice(0, from) + section + text.slice(to + END.length));
  writeFileSync(join(ROOT, 'docs', 'performance.svg'), chart(results));
  process.stdout.write(`docs/performance.md and docs/performance.svg now show ${file}\n`);
}

if (require.main === module) main();
