// A small uPlot chart for detail views (an agent's decisions per hour, an agent's vitals).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface MiniSeries {
  label: string;
  stroke: string;
  width?: number;
  /** Draw as steps (counts per bucket) instead of lines. */
  stepped?: boolean;
  /** Own right-hand axis (a second unit). */
  scale?: string;
}

export default function MiniChart({ t, values, series, height = 140 }: { t: number[]; values: number[][]; series: MiniSeries[]; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || t.length === 0) return;
    const step = uPlot.paths.stepped!({ align: 1 });
    const scales = [...new Set(series.map((s) => s.scale).filter((s): s is string => !!s))];
    const u = new uPlot(
      {
        width: Math.max(240, el.current.clientWidth - 4),
        height,
        scales: { x: { time: true } },
        legend: { show: true },
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width ?? 1,
            paths: s.stepped ? step : undefined,
            scale: s.scale ?? 'y',
            points: { show: false },
          })),
        ],
        axes: [
          { stroke: '#444', grid: { stroke: '#d0d0d0' } },
          { stroke: '#444', grid: { stroke: '#d0d0d0' }, size: 44 },
          ...scales.map((scale) => ({ scale, side: 1 as const, stroke: '#444', grid: { show: false }, size: 44 })),
        ],
      },
      [t, ...values],
      el.current,
    );
    return () => u.destroy();
  }, [t, values, series, height]);
  return <div ref={el} className="mini-chart" />;
}
