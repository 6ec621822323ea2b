import type { DocumentBlock } from './document-model';
import { niceCeiling } from './format';
import { baselineOffset, colors, type PdfCanvas } from './pdf-canvas';

type BarChart = Extract<DocumentBlock, { kind: 'bar-chart' }>;
type LineChart = Extract<DocumentBlock, { kind: 'line-chart' }>;
export type FormatNumber = (value: number) => string;

/*
 * Charts are vectors drawn from the start side. In Arabic the whole chart mirrors: category
 * labels sit on the right and bars grow leftward, and the first session of a trend is on the
 * right, so a chart reads in the same direction as the table beside it (whose first column is
 * on the right). Only the digits themselves stay left to right, as the bidi algorithm keeps them.
 */

const titleSize = 11;
const labelSize = 8.5;

function chartTitle(canvas: PdfCanvas, title: string, unit: string | undefined): void {
  canvas.paragraph(unit ? `${title} (${unit})` : title, { size: titleSize, weight: 'bold' });
  canvas.y += 2;
}

function legend(canvas: PdfCanvas, labels: readonly string[]): void {
  const lh = canvas.lineHeight(labelSize);
  let offset = 0;
  const baseline = canvas.y + baselineOffset(labelSize, lh);
  labels.forEach((label, i) => {
    const line = canvas.line(label, { size: labelSize });
    const itemWidth = 14 + line.width + 14;
    if (offset + itemWidth > canvas.width && offset > 0) return;
    canvas.doc
      .save()
      .rect(canvas.boxX(offset, 9), canvas.y + (lh - 9) / 2, 9, 9)
      .fill(colors.series[i % colors.series.length])
      .restore();
    canvas.drawLine(line, canvas.boxX(offset + 13, line.width), line.width, baseline, { size: labelSize });
    offset += itemWidth;
  });
  canvas.y += lh + 8;
}

export function drawBarChart(canvas: PdfCanvas, chart: BarChart, format: FormatNumber): void {
  const lh = canvas.lineHeight(labelSize);
  const barHeight = chart.stacked ? 14 : 10;
  const perGroup = chart.stacked ? 1 : chart.series.length;
  const groupHeight = Math.max(lh, perGroup * (barHeight + 2)) + 6;
  const height = canvas.lineHeight(titleSize) + chart.categories.length * groupHeight + lh + 16;
  canvas.ensure(Math.min(height, canvas.bottom - canvas.y + 1));
  chartTitle(canvas, chart.title, chart.unit);
  const labelWidth = canvas.width * 0.28;
  const valueRoom = 44;
  const barOrigin = labelWidth + 8;
  const barRoom = canvas.width - barOrigin - valueRoom;
  const totals = chart.categories.map((_, c) =>
    chart.stacked
      ? chart.series.reduce((sum, s) => sum + Math.max(0, s.values[c] ?? 0), 0)
      : Math.max(0, ...chart.series.map((s) => s.values[c] ?? 0)),
  );
  const max = Math.max(1e-9, ...totals);
  const scale = barRoom / max;
  // The axis line the bars start from.
  const axisX = canvas.boxX(barOrigin, 0);
  const top = canvas.y;
  chart.categories.forEach((category, c) => {
    canvas.ensure(groupHeight);
    const groupTop = canvas.y;
    canvas.label(
      category,
      canvas.boxX(0, labelWidth),
      labelWidth,
      groupTop + baselineOffset(labelSize, lh),
      { size: labelSize },
      'end',
    );
    let stackOffset = 0;
    chart.series.forEach((series, s) => {
      const value = series.values[c] ?? 0;
      const w = Math.max(0, value) * scale;
      const y = chart.stacked ? groupTop + 2 : groupTop + 2 + s * (barHeight + 2);
      const offset = barOrigin + (chart.stacked ? stackOffset : 0);
      if (w > 0)
        canvas.doc
          .save()
          .rect(canvas.boxX(offset, w), y, w, barHeight)
          .fill(colors.series[s % colors.series.length])
          .restore();
      if (chart.stacked) {
        // A segment's figure goes inside it when it fits, in white on the colour.
        const text = canvas.line(format(value), { size: 7 });
        if (text.width + 4 <= w)
          canvas.drawLine(
            text,
            canvas.boxX(offset, w),
            w,
            y + barHeight / 2 + 2.5,
            { size: 7, color: '#ffffff' },
            'center',
          );
        stackOffset += w;
      } else {
        canvas.label(format(value), canvas.boxX(offset + w + 3, valueRoom - 3), valueRoom - 3, y + barHeight / 2 + 3, {
          size: 7.5,
          color: colors.muted,
        });
      }
    });
    if (chart.stacked)
      canvas.label(
        format(totals[c]),
        canvas.boxX(barOrigin + stackOffset + 3, valueRoom - 3),
        valueRoom - 3,
        groupTop + 2 + barHeight / 2 + 3,
        { size: 7.5, weight: 'bold', color: colors.muted },
      );
    canvas.y = groupTop + groupHeight;
  });
  canvas.doc
    .save()
    .moveTo(axisX, Math.min(top, canvas.y - groupHeight))
    .lineTo(axisX, canvas.y - 4)
    .lineWidth(0.6)
    .strokeColor(colors.rule)
    .stroke()
    .restore();
  canvas.y += 2;
  legend(
    canvas,
    chart.series.map((s) => s.label),
  );
}

export function drawLineChart(canvas: PdfCanvas, chart: LineChart, format: FormatNumber): void {
  const lh = canvas.lineHeight(labelSize);
  const plotHeight = 150;
  const height = canvas.lineHeight(titleSize) + plotHeight + 2 * lh + lh + 24;
  canvas.ensure(height);
  chartTitle(canvas, chart.title, chart.unit);
  const axisRoom = 40;
  const endRoom = 16;
  const plotWidth = canvas.width - axisRoom - endRoom;
  const all = chart.series.flatMap((s) => s.values);
  const min = Math.min(0, ...all);
  const max = niceCeiling(Math.max(...all, 0) - min) + min;
  const top = canvas.y + 10;
  const bottom = top + plotHeight;
  const yOf = (v: number) => bottom - ((v - min) / (max - min || 1)) * plotHeight;
  // The first and last points stand in from the plot's edges so their labels clear the axis.
  const inset = 18;
  const step = chart.points.length > 1 ? (plotWidth - 2 * inset) / (chart.points.length - 1) : 0;
  const xOf = (i: number) => canvas.boxX(axisRoom + (chart.points.length > 1 ? inset + i * step : plotWidth / 2), 0);
  const { doc } = canvas;
  for (let g = 0; g <= 4; g++) {
    const v = min + ((max - min) * g) / 4;
    const y = yOf(v);
    doc
      .save()
      .moveTo(canvas.boxX(axisRoom, 0), y)
      .lineTo(canvas.boxX(axisRoom + plotWidth, 0), y)
      .lineWidth(g === 0 ? 0.8 : 0.3)
      .strokeColor(g === 0 ? colors.rule : '#d6d9de')
      .stroke()
      .restore();
    canvas.label(format(v), canvas.boxX(0, axisRoom - 6), axisRoom - 6, y + 3, { size: 7, color: colors.muted }, 'end');
  }
  chart.series.forEach((series, s) => {
    const color = colors.series[s % colors.series.length];
    const points = series.values.map((v, i) => [xOf(i), yOf(v)] as const);
    if (points.length > 1) {
      doc.save().moveTo(points[0][0], points[0][1]);
      for (const [x, y] of points.slice(1)) doc.lineTo(x, y);
      doc.lineWidth(1.4).strokeColor(color).stroke().restore();
    }
    points.forEach(([x, y], i) => {
      doc.save().circle(x, y, 2.6).fill(color).restore();
      // Alternate label sides between series so two lines' figures do not sit on each other.
      const labelY = s % 2 === 0 ? y - 5 : y + 11;
      canvas.label(format(series.values[i]), x - 20, 40, labelY, { size: 7, color }, 'center');
    });
  });
  const labelWidth = chart.points.length > 1 ? Math.min(step, 90) : 90;
  chart.points.forEach((point, i) =>
    canvas.label(point, xOf(i) - labelWidth / 2, labelWidth, bottom + 12, { size: 7.5 }, 'center'),
  );
  canvas.y = bottom + 12 + lh;
  legend(
    canvas,
    chart.series.map((s) => s.label),
  );
}
