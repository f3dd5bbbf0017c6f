/**
 * Usage charts on uPlot (bundled, served by Keyward): request counts per bucket, or the share
 * of 4xx, 5xx and 429 answers. The chart follows its container's width, so it fits a narrow
 * window; the container carries the totals as data-* attributes for tests and scripts.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { count } from './format';
import type { UsageSeries } from './types';

type Mode = 'requests' | 'rates';

const COLORS = { total: '#4f46e5', '2xx': '#10b981', '4xx': '#f59e0b', '5xx': '#ef4444', '429': '#8b5cf6' };

const LINES: Record<Mode, { key: keyof typeof COLORS; label: string }[]> = {
  requests: [
    { key: 'total', label: 'All requests' },
    { key: '2xx', label: 'Successful (2xx)' },
  ],
  rates: [
    { key: '4xx', label: 'Client errors (4xx)' },
    { key: '5xx', label: 'Server errors (5xx)' },
    { key: '429', label: 'Rate limited (429)' },
  ],
};

function columns(series: UsageSeries, mode: Mode): uPlot.AlignedData {
  const { counts, times } = series;
  if (mode === 'requests') return [times, counts.total, counts['2xx']];
  const rate = (values: number[]) =>
    values.map((v, i) => (counts.total[i] ? (100 * v) / counts.total[i]! : null));
  return [times, rate(counts['4xx']), rate(counts['5xx']), rate(counts['429'])];
}

function options(mode: Mode, width: number): uPlot.Options {
  return {
    width,
    height: 220,
    legend: { show: false },
    cursor: { points: { size: 6 } },
    scales: {
      y: mode === 'rates' ? { range: [0, 100] } : { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] },
    },
    axes: [
      { stroke: '#6b7280', grid: { stroke: '#f1f5f9' }, ticks: { stroke: '#e5e7eb' } },
      {
        stroke: '#6b7280',
        grid: { stroke: '#f1f5f9' },
        ticks: { stroke: '#e5e7eb' },
        size: 50,
        values: (_u, ticks) => ticks.map((t) => (mode === 'rates' ? `${t}%` : count(t))),
      },
    ],
    series: [
      {},
      ...LINES[mode].map((line, i) => ({
        label: line.label,
        stroke: COLORS[line.key],
        width: 2,
        // A rate exists only where there were requests: dots show lone buckets a line would skip.
        points: mode === 'rates' ? { show: true, size: 5 } : { show: false },
        ...(mode === 'requests' && i === 0 ? { fill: 'rgba(79, 70, 229, 0.08)' } : {}),
        spanGaps: mode === 'requests',
      })),
    ],
  };
}

/** One chart of a usage series. */
export function UsageChart({ series, mode, title }: { series: UsageSeries; mode: Mode; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current?.destroy();
    plot.current = new uPlot(options(mode, Math.max(260, el.clientWidth)), columns(series, mode), el);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(260, el.clientWidth), height: 220 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series, mode]);

  const t = series.totals;
  return (
    <figure
      class="chart"
      aria-label={title}
      data-mode={mode}
      data-total={t.total}
      data-4xx={t['4xx']}
      data-5xx={t['5xx']}
      data-429={t['429']}
    >
      <div class="legend">
        {LINES[mode].map((line) => (
          <span key={line.key}>
            <i class={`sw-${line.key}`} />
            {line.label}: {mode === 'rates' ? count(t[line.key]) : count(t[line.key])}
          </span>
        ))}
      </div>
      <div ref={box} />
    </figure>
  );
}
