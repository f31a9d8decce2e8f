// Audit slice: the rows of the current filter (newest first), paging, and the chain verification.
import { create } from 'zustand';
import type { AuditQuery, AuditRowView, AuditVerifyResult } from '../../../shared/governance';

export interface AuditFilter {
  agentId: string;
  tool: string;
  kind: string;
  /** datetime-local strings; empty = open. */
  from: string;
  to: string;
}

export interface AuditState {
  rows: AuditRowView[];
  filter: AuditFilter;
  loading: boolean;
  hasMore: boolean;
  error: string | null;
  verify: AuditVerifyResult | null;
  /** Rows appended since the list was last loaded (live indicator). */
  unseen: number;
  setFilter(f: Partial<AuditFilter>): void;
  setRows(rows: AuditRowView[], append: boolean, pageSize: number): void;
  setLoading(b: boolean, error?: string | null): void;
  setVerify(v: AuditVerifyResult | null): void;
  appended(): void;
}

export const AUDIT_PAGE = 100;

export function toQuery(f: AuditFilter, beforeSeq?: number, limit = AUDIT_PAGE): AuditQuery {
  const q: AuditQuery = { limit };
  if (f.agentId.trim()) q.agentId = f.agentId.trim();
  if (f.tool.trim()) q.tool = f.tool.trim();
  if (f.kind.trim()) q.kind = f.kind.trim().toUpperCase();
  const from = f.from ? Date.parse(f.from) : NaN;
  const to = f.to ? Date.parse(f.to) : NaN;
  if (Number.isFinite(from)) q.from = from;
  if (Number.isFinite(to)) q.to = to;
  if (beforeSeq !== undefined) q.beforeSeq = beforeSeq;
  return q;
}

export function createAuditStore() {
  return create<AuditState>()((set) => ({
    rows: [],
    filter: { agentId: '', tool: '', kind: '', from: '', to: '' },
    loading: false,
    hasMore: false,
    error: null,
    verify: null,
    unseen: 0,
    setFilter: (f) => set((s) => ({ filter: { ...s.filter, ...f } })),
    setRows: (rows, append, pageSize) =>
      set((s) => ({
        rows: append ? [...s.rows, ...rows.filter((r) => !s.rows.some((x) => x.seq === r.seq))] : rows,
        hasMore: rows.length >= pageSize,
        loading: false,
        error: null,
        unseen: append ? s.unseen : 0,
      })),
    setLoading: (loading, error = null) => set({ loading, error }),
    setVerify: (verify) => set({ verify }),
    appended: () => set((s) => ({ unseen: s.unseen + 1 })),
  }));
}
export const useAudit = createAuditStore();

/** NDJSON export of rows: one JSON object per line, the format `aegisflow audit export` reads back too. */
export function toNdjson(rows: AuditRowView[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
