import type { DocumentBlock } from './document-model';
import { niceCeiling } from './format';

type BarChart = Extract<DocumentBlock, { kind: 'bar-chart' }>;
type LineChart = Extract<DocumentBlock, { kind: 'line-chart' }>;

export const seriesColors = ['#1f5fa8', '#d9822b', '#2e8540', '#8e3b9c', '#b8292f', '#5b6b7c'] as const;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const n = (v: number) => Number(v.toFixed(2)).toString();

/*
 * Inline SVG charts, mirrored in Arabic as the PDF's are (labels on the start side, bars
 * growing toward the end side). Text anchors are logical ('end' hugs the axis) and inherit
 * the page's direction, so one drawing serves both. Each figure also carries its figures in
 * a visually hidden table: a screen reader reads the numbers, not the shapes.
 */

interface ChartContext {
  readonly rtl: boolean;
  readonly id: string;
  readonly format: (value: number) => string;
}

const width = 640;

function x(ctx: ChartContext, fromStart: number): number {
  return ctx.rtl ? width - fromStart : fromStart;
}

function legend(ctx: ChartContext, labels: readonly string[], y: number): string {
  return labels
    .map((label, i) => {
      const at = 150 * i;
      const square = ctx.rtl ? x(ctx, at) - 10 : x(ctx, at);
      return `<rect x="${n(square)}" y="${n(y - 9)}" width="10" height="10" fill="${seriesColors[i % seriesColors.length]}"/><text x="${n(x(ctx, at + 15))}" y="${n(y)}" font-size="12">${escapeHtml(label)}</text>`;
    })
    .join('');
}

function dataTable(caption: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r[0])}</th>${r
          .slice(1)
          .map((c) => `<td>${escapeHtml(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="visually-hidden"><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function titled(chart: { title: string; unit?: string }): string {
  return chart.unit ? `${chart.title} (${chart.unit})` : chart.title;
}

export function barChartSvg(chart: BarChart, ctx: ChartContext): string {
  const bar = chart.stacked ? 16 : 12;
  const group = (chart.stacked ? bar : chart.series.length * (bar + 2)) + 12;
  const labelRoom = 170;
  const valueRoom = 50;
  const room = width - labelRoom - valueRoom;
  const totals = chart.categories.map((_, c) =>
    chart.stacked
      ? chart.series.reduce((s, v) => s + Math.max(0, v.values[c] ?? 0), 0)
      : Math.max(0, ...chart.series.map((v) => v.values[c] ?? 0)),
  );
  const scale = room / Math.max(1e-9, ...totals);
  const height = chart.categories.length * group + 40;
  const shapes: string[] = [];
  chart.categories.forEach((category, c) => {
    const top = c * group + 6;
    shapes.push(
      `<text x="${n(x(ctx, labelRoom - 8))}" y="${n(top + 12)}" text-anchor="end" font-size="12">${escapeHtml(category)}</text>`,
    );
    let stacked = 0;
    chart.series.forEach((series, s) => {
      const value = series.values[c] ?? 0;
      const w = Math.max(0, value) * scale;
      const y = chart.stacked ? top : top + s * (bar + 2);
      const from = labelRoom + (chart.stacked ? stacked : 0);
      shapes.push(
        `<rect x="${n(ctx.rtl ? x(ctx, from) - w : x(ctx, from))}" y="${n(y)}" width="${n(w)}" height="${bar}" fill="${seriesColors[s % seriesColors.length]}"><title>${escapeHtml(`${series.label}, ${category}: ${ctx.format(value)}`)}</title></rect>`,
      );
      if (chart.stacked) stacked += w;
      else
        shapes.push(
          `<text x="${n(x(ctx, from + w + 4))}" y="${n(y + bar - 2)}" font-size="11">${escapeHtml(ctx.format(value))}</text>`,
        );
    });
    if (chart.stacked)
      shapes.push(
        `<text x="${n(x(ctx, labelRoom + stacked + 4))}" y="${n(top + bar - 3)}" font-size="11" font-weight="bold">${escapeHtml(ctx.format(totals[c]))}</text>`,
      );
  });
  shapes.push(
    `<line x1="${n(x(ctx, labelRoom))}" x2="${n(x(ctx, labelRoom))}" y1="0" y2="${n(chart.categories.length * group)}" stroke="#9a9a9a"/>`,
  );
  shapes.push(
    legend(
      ctx,
      chart.series.map((s) => s.label),
      height - 12,
    ),
  );
  const rows = chart.categories.map((category, c) => [
    category,
    ...chart.series.map((s) => ctx.format(s.values[c] ?? 0)),
  ]);
  return figure(
    ctx,
    titled(chart),
    height,
    shapes.join(''),
    dataTable(titled(chart), ['', ...chart.series.map((s) => s.label)], rows),
  );
}

export function lineChartSvg(chart: LineChart, ctx: ChartContext): string {
  const plotTop = 16;
  const plotHeight = 180;
  const axisRoom = 48;
  const inset = 20;
  const plotWidth = width - axisRoom - 16;
  const all = chart.series.flatMap((s) => s.values);
  const min = Math.min(0, ...all);
  const max = niceCeiling(Math.max(0, ...all) - min) + min;
  const yOf = (v: number) => plotTop + plotHeight - ((v - min) / (max - min || 1)) * plotHeight;
  const step = chart.points.length > 1 ? (plotWidth - 2 * inset) / (chart.points.length - 1) : 0;
  const xOf = (i: number) => x(ctx, axisRoom + (chart.points.length > 1 ? inset + i * step : plotWidth / 2));
  const shapes: string[] = [];
  for (let g = 0; g <= 4; g++) {
    const v = min + ((max - min) * g) / 4;
    shapes.push(
      `<line x1="${n(x(ctx, axisRoom))}" x2="${n(x(ctx, axisRoom + plotWidth))}" y1="${n(yOf(v))}" y2="${n(yOf(v))}" stroke="${g === 0 ? '#9a9a9a' : '#d6d9de'}"/>`,
    );
    shapes.push(
      `<text x="${n(x(ctx, axisRoom - 6))}" y="${n(yOf(v) + 4)}" text-anchor="end" font-size="10">${escapeHtml(ctx.format(v))}</text>`,
    );
  }
  chart.series.forEach((series, s) => {
    const color = seriesColors[s % seriesColors.length];
    const pts = series.values.map((v, i) => `${n(xOf(i))},${n(yOf(v))}`).join(' ');
    shapes.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    series.values.forEach((v, i) => {
      shapes.push(
        `<circle cx="${n(xOf(i))}" cy="${n(yOf(v))}" r="3.5" fill="${color}"><title>${escapeHtml(`${series.label}, ${chart.points[i] ?? ''}: ${ctx.format(v)}`)}</title></circle>`,
      );
      shapes.push(
        `<text x="${n(xOf(i))}" y="${n(yOf(v) + (s % 2 === 0 ? -7 : 15))}" text-anchor="middle" font-size="10" fill="${color}">${escapeHtml(ctx.format(v))}</text>`,
      );
    });
  });
  chart.points.forEach((p, i) =>
    shapes.push(
      `<text x="${n(xOf(i))}" y="${n(plotTop + plotHeight + 16)}" text-anchor="middle" font-size="11">${escapeHtml(p)}</text>`,
    ),
  );
  const height = plotTop + plotHeight + 50;
  shapes.push(
    legend(
      ctx,
      chart.series.map((s) => s.label),
      height - 8,
    ),
  );
  const rows = chart.points.map((p, i) => [p, ...chart.series.map((s) => ctx.format(s.values[i] ?? 0))]);
  return figure(
    ctx,
    titled(chart),
    height,
    shapes.join(''),
    dataTable(titled(chart), ['', ...chart.series.map((s) => s.label)], rows),
  );
}

function figure(ctx: ChartContext, title: string, height: number, body: string, table: string): string {
  return (
    `<figure class="chart"><figcaption id="${ctx.id}-caption">${escapeHtml(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${ctx.id}-title" viewBox="0 0 ${width} ${n(height)}" width="100%">` +
    `<title id="${ctx.id}-title">${escapeHtml(title)}</title>${body}</svg>${table}</figure>`
  );
}
