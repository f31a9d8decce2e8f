// Alarm report slice: the window chosen (a span of plant time up to the plant clock now, or the current
// shift), the last report the core computed for it, and whether one is on its way.
import { create } from 'zustand';
import type { AlarmReport } from '../../../shared/schemas/alarm-report';

export const REPORT_SPANS = [
  { id: 'shift', label: 'current shift' },
  { id: '1h', label: 'last hour', ms: 3_600_000 },
  { id: '8h', label: 'last 8 h', ms: 8 * 3_600_000 },
  { id: '24h', label: 'last 24 h', ms: 24 * 3_600_000 },
  { id: '7d', label: 'last 7 days', ms: 7 * 24 * 3_600_000 },
] as const;
export type ReportSpan = (typeof REPORT_SPANS)[number]['id'];

export interface AlarmReportState {
  span: ReportSpan;
  report: AlarmReport | null;
  loading: boolean;
  error: string | null;
  /** Said when the window is not what was asked for (no shift handover yet: the last 24 h instead). */
  note: string | null;
  setSpan(span: ReportSpan): void;
  started(): void;
  done(r: { report: AlarmReport; note: string | null } | { error: string }): void;
}

export function createAlarmReportStore() {
  return create<AlarmReportState>()((set) => ({
    span: '24h',
    report: null,
    loading: false,
    error: null,
    note: null,
    setSpan: (span) => set({ span }),
    started: () => set({ loading: true, error: null }),
    done: (r) => set('error' in r ? { loading: false, error: r.error } : { loading: false, error: null, report: r.report, note: r.note }),
  }));
}

export const useAlarmReport = createAlarmReportStore();

/** The report's file name: its window on the plant clock, to the minute. */
export function reportFileName(r: Pick<AlarmReport, 'from' | 'to'>): string {
  const t = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `alarm-report-${t(r.from)}-${t(r.to)}.csv`;
}
