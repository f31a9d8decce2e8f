// Small shared pieces: clocks, formatting, the empty/loading states, priority badges, copy buttons, form fields.
import { useEffect, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import type { AlarmPriority } from '../../../shared/anomalies';
import { agentLabel, useAgents } from '../store/agents';
import { useConnection } from '../store/connection';
import { fmtWall } from '../time';

/** Re-render every `ms` with the current time (countdowns, "ago" labels). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/**
 * "5 s ago": a duration, not a time of day, so it is on no clock's dial; `ms` and `now` must be on the same
 * clock (every caller passes a wall stamp and useNow's wall clock: how long ago in real time).
 */
export function fmtAgo(ms: number | null | undefined, now: number): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * What is left of a shelf. The core ends it on the wall clock (15 min are 15 min whatever the replay does),
 * so it is a countdown like an approval's, the wall-clock end on hover: placed on the plant clock it
 * would read "until now" while the replay is paused, or a day ahead at 100×.
 */
export function ShelfLeft({ until }: { until: number | null }) {
  const now = useNow(1000);
  if (until === null) return <span>no end set</span>;
  const min = Math.ceil((until - now) / 60_000);
  const left = min <= 0 ? 'ending' : min < 60 ? `${min} min left` : `${Math.floor(min / 60)} h ${min % 60} min left`;
  return (
    <span data-field="shelf-left" title={`shelf ends ${fmtWall(until)} wall clock`}>
      {left}
    </span>
  );
}

/** Empty, loading and disconnected states look the same everywhere, and say which one it is. */
export function Empty({ loaded = true, children }: { loaded?: boolean; children: ReactNode }) {
  const conn = useConnection((s) => s.state);
  if (conn !== 'open') return <p className="empty">Not connected to the AegisFlow core — data will appear when the link is back.</p>;
  if (!loaded) return <p className="empty">Loading…</p>;
  return <p className="empty">{children}</p>;
}

export function PriorityBadge({ p }: { p: AlarmPriority }) {
  return <span className={`prio prio-${p}`}>{p}</span>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        const ok = () => {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        };
        navigator.clipboard?.writeText(text).then(ok, () => fallbackCopy(text) && ok());
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

function fallbackCopy(text: string): boolean {
  const ta = document.createElement('textarea');
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  return ok;
}

/** `abnormal` (red) is for alarms only; `attention` marks any other abnormal figure. */
export function Stat({ label, value, unit, abnormal, attention }: { label: string; value: ReactNode; unit?: string; abnormal?: boolean; attention?: boolean }) {
  return (
    <div className={abnormal ? 'stat abnormal-box' : attention ? 'stat attention-box' : 'stat'} data-stat={label}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">
        {value}
        {unit ? <span className="unit"> {unit}</span> : null}
      </div>
    </div>
  );
}

export function download(filename: string, text: string, type = 'application/x-ndjson'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

/** An input bound to one text field of a form's state object (`{ ...state, [field]: value }` on every change). */
export function FieldInput<T extends Record<K, string>, K extends keyof T>({
  state,
  set,
  field,
  ...input
}: { state: T; set: (next: T) => void; field: K } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  return <input {...input} value={state[field]} onChange={(e) => set({ ...state, [field]: e.target.value })} />;
}

/** Agents by name, not by id (`agent-1679264c`); an id the registry does not know (removed) stays as it is. */
export function useAgentName(): (id: string | null | undefined) => string {
  const agents = useAgents((s) => s.agents);
  return (id) => agentLabel(agents, id);
}
