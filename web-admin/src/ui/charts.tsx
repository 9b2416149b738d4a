import { useId } from 'react';
import { formatNumber } from '../lib/format';

/**
 * Small hand-made SVG charts. Each is a figure with a caption, an SVG named by its title and
 * described by a one-line summary for screen readers, and the figures behind it in a collapsed
 * table for anyone who wants the exact numbers. Colours come from CSS variables (contrast-checked).
 */

export interface Series {
  name: string;
  values: readonly number[];
  /** CSS colour, e.g. var(--chart-1). */
  color: string;
}

interface LineChartProps {
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  unit?: string;
  /** Format of axis and table values (default: integer). */
  format?: (value: number) => string;
}

const W = 560;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

export function LineChart({ title, labels, series, unit = '', format = formatNumber }: LineChartProps) {
  const id = useId();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? innerW / 2 : (i / (labels.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const every = Math.max(1, Math.ceil(labels.length / 7));
  const summary = series
    .map((s) => {
      const total = s.values.reduce((a, b) => a + b, 0);
      const peak = Math.max(0, ...s.values);
      const at = labels[s.values.indexOf(peak)] ?? '';
      return `${s.name}: ${format(total)}${unit} in total, highest ${format(peak)}${unit}${at ? ` on ${at}` : ''}`;
    })
    .join('; ');
  return (
    <figure className="chart">
      <figcaption aria-hidden="true">{title}</figcaption>
      <Legend series={series} />
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary || 'No data yet'}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
              {format(t)}
            </text>
          </g>
        ))}
        {labels.map((label, i) =>
          i % every === 0 ? (
            <text key={label} className="axis" x={x(i)} y={H - 8} textAnchor="middle">
              {label}
            </text>
          ) : null,
        )}
        {series.map((s) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2.5}
              points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}
            />
            {s.values.map((v, i) => (
              <circle key={labels[i]} cx={x(i)} cy={y(v)} r={3} fill={s.color}>
                <title>{`${s.name}, ${labels[i]}: ${format(v)}${unit}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <DataTable
        head={['', ...series.map((s) => s.name)]}
        rows={labels.map((label, i) => [label, ...series.map((s) => `${format(s.values[i] ?? 0)}${unit}`)])}
      />
    </figure>
  );
}

interface BarChartProps {
  title: string;
  bars: readonly { label: string; segments: readonly { name: string; value: number; color: string }[] }[];
  unit?: string;
}

/** Horizontal bars, optionally stacked (e.g. generations per category, split by status). */
export function BarChart({ title, bars, unit = '' }: BarChartProps) {
  const id = useId();
  const totals = bars.map((b) => b.segments.reduce((a, s) => a + s.value, 0));
  const max = niceMax(Math.max(0, ...totals));
  const rowH = 28;
  const labelW = 110;
  const height = Math.max(rowH, bars.length * rowH) + 8;
  const innerW = W - labelW - 64;
  const legend = [...new Map(bars.flatMap((b) => b.segments).map((s) => [s.name, s])).values()];
  const summary = bars.map((b, i) => `${b.label}: ${formatNumber(totals[i] ?? 0)}${unit}`).join('; ');
  return (
    <figure className="chart">
      <figcaption aria-hidden="true">{title}</figcaption>
      {legend.length > 1 && (
        <Legend series={legend.map((s) => ({ name: s.name, color: s.color, values: [] }))} />
      )}
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary || 'No data yet'}</desc>
        {bars.map((bar, i) => {
          let offset = 0;
          const top = 4 + i * rowH;
          return (
            <g key={bar.label}>
              <text className="axis" x={labelW - 8} y={top + rowH / 2 + 4} textAnchor="end">
                {bar.label}
              </text>
              {bar.segments.map((s) => {
                const w = (s.value / max) * innerW;
                const rect = (
                  <rect
                    key={s.name}
                    x={labelW + offset}
                    y={top + 4}
                    width={w}
                    height={rowH - 8}
                    fill={s.color}
                  >
                    <title>{`${bar.label}, ${s.name}: ${formatNumber(s.value)}${unit}`}</title>
                  </rect>
                );
                offset += w;
                return rect;
              })}
              <text className="axis" x={labelW + offset + 6} y={top + rowH / 2 + 4}>
                {formatNumber(totals[i] ?? 0)}
              </text>
            </g>
          );
        })}
      </svg>
      <DataTable
        head={['', ...legend.map((s) => s.name)]}
        rows={bars.map((b) => [
          b.label,
          ...legend.map((l) => formatNumber(b.segments.find((s) => s.name === l.name)?.value ?? 0)),
        ])}
      />
    </figure>
  );
}

function Legend({ series }: { series: readonly Pick<Series, 'name' | 'color'>[] }) {
  if (series.length < 2) return null;
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.name}>
          <span className="swatch" style={{ background: s.color }} />
          {s.name}
        </li>
      ))}
    </ul>
  );
}

function DataTable({ head, rows }: { head: readonly string[]; rows: readonly (readonly string[])[] }) {
  return (
    <details className="chart-data">
      <summary>Show the numbers</summary>
      <table>
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={h || i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row[0]}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <th key="label" scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={head[i]}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
