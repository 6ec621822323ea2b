/** One measured figure, as bench/results/<timestamp>.json keeps it. */
export interface Figure {
  readonly scenario: string;
  readonly store: 'sqlite' | 'postgres' | 'none';
  readonly metric: string;
  readonly value: number | null;
  readonly unit: string;
  /** `>= 5000`, `<= 50`, `>= 0.5x limit` (against this row's limit), `>= 1x peer` (ahead of the peer). */
  readonly target?: string;
  /** The same workload on the peer (emmett). */
  readonly peer?: number | null;
  /** The same work at the machine's or the framework's limit. */
  readonly limit?: number;
  /** What the limit is. */
  readonly limitName?: string;
  readonly note?: string;
}

/** Whether a figure meets its target; undefined when it has none or cannot be judged. */
export function meets(figure: Figure): boolean | undefined {
  if (!figure.target || figure.value === null) return undefined;
  const match = /^(>=|<=)\s*([\d.]+)(x (limit|peer))?$/.exec(figure.target.trim());
  if (!match) return undefined;
  const [, op, number, , against] = match;
  let bound = Number(number);
  if (against === 'limit') {
    if (figure.limit === undefined) return undefined;
    bound *= figure.limit;
  }
  if (against === 'peer') {
    if (figure.peer === undefined || figure.peer === null) return undefined;
    bound *= figure.peer;
  }
  return op === '>=' ? figure.value >= bound : figure.value <= bound;
}

/** How far a missed figure is from its target, in words: "-38%" of the bound, or "2.1x over". */
export function shortfall(figure: Figure): string {
  if (meets(figure) !== false || figure.value === null) return '';
  const match = /^(>=|<=)\s*([\d.]+)(x (limit|peer))?$/.exec(figure.target!.trim())!;
  let bound = Number(match[2]);
  if (match[4] === 'limit') bound *= figure.limit!;
  if (match[4] === 'peer') bound *= figure.peer!;
  const percent = (figure.value / bound - 1) * 100;
  const shown = Math.abs(percent) < 10 ? percent.toFixed(1) : Math.round(percent).toString();
  return match[1] === '>=' ? `${shown}%` : `+${shown}%`;
}

export const format = (value: number | null | undefined, unit = ''): string => {
  if (value === null || value === undefined) return '–';
  if (unit === 'ratio') return value.toFixed(2);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toFixed(Math.abs(value) >= 10 ? 1 : 2)));
};

const ratio = (a: number | null, b: number | null | undefined): string =>
  a === null || b === null || b === undefined || b === 0 ? '' : (a / b).toFixed(2);

/** A markdown table of the figures, with accord/peer and accord/limit ratios and whether targets are met. */
/** In scenario order (1 to 7), SQLite before PostgreSQL, otherwise as measured. */
export function ordered(figures: readonly Figure[]): Figure[] {
  const rank = { none: 0, sqlite: 1, postgres: 2 };
  return figures
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.scenario.localeCompare(b.f.scenario) || rank[a.f.store] - rank[b.f.store] || a.i - b.i)
    .map(({ f }) => f);
}

export function table(unordered: readonly Figure[]): string {
  const figures = ordered(unordered);
  const header = [
    'scenario',
    'store',
    'metric',
    'value',
    'unit',
    'target',
    'met',
    'emmett',
    'accord/emmett',
    'limit',
    'accord/limit',
  ];
  const rows = figures.map((f) => {
    const met = meets(f);
    return [
      f.scenario,
      f.store === 'none' ? '' : f.store,
      f.metric,
      format(f.value, f.unit),
      f.unit,
      f.target ?? '',
      met === undefined ? '' : met ? 'yes' : `MISSED ${shortfall(f)}`,
      f.peer === undefined ? '' : format(f.peer),
      f.peer === undefined ? '' : ratio(f.value, f.peer),
      f.limit === undefined ? '' : `${format(f.limit)} (${f.limitName ?? ''})`,
      f.limit === undefined ? '' : ratio(f.value, f.limit),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const numeric = new Set([3, 7, 8, 10]);
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w, c) => (numeric.has(c) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}
