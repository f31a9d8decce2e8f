// An agent's calls per hour by decision (allowed, reviewed, blocked): a small uPlot step chart.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function DecisionChart({ data }: { data: { t: number[]; allowed: number[]; blocked: number[]; reviewed: number[] } }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || data.t.length === 0) return;
    const step = uPlot.paths.stepped!({ align: 1 });
    const u = new uPlot(
      {
        width: Math.max(240, el.current.clientWidth - 4),
        height: 140,
        scales: { x: { time: true } },
        legend: { show: true },
        series: [
          {},
          { label: 'allowed', stroke: '#5a5a5a', paths: step, width: 1 },
          { label: 'review', stroke: '#2f5d8a', paths: step, width: 1 },
          // Blocked calls are the abnormal ones: the only coloured line.
          { label: 'blocked', stroke: '#c8102e', paths: step, width: 1.5 },
        ],
        axes: [{ stroke: '#444', grid: { stroke: '#d0d0d0' } }, { stroke: '#444', grid: { stroke: '#d0d0d0' }, size: 36 }],
      },
      [data.t, data.allowed, data.reviewed, data.blocked],
      el.current,
    );
    return () => u.destroy();
  }, [data]);
  return <div ref={el} className="decision-chart" />;
}
