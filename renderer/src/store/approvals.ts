// Approvals slice: the pending queue (soonest deadline first) and recent decisions.
import { create } from 'zustand';
import type { ApprovalView } from '../../../shared/governance';

export interface ApprovalsState {
  pending: ApprovalView[];
  history: ApprovalView[];
  selectedId: string | null;
  loaded: boolean;
  /**
   * Core clock minus this page's clock (ms), estimated from fresh approval.created events. Deadlines are
   * on the core's clock; a wall display on another machine must not show a countdown minutes off.
   */
  clockSkewMs: number;
  setAll(pending: ApprovalView[], history: ApprovalView[]): void;
  created(a: ApprovalView, receivedAt?: number): void;
  decided(a: ApprovalView): void;
  select(id: string | null): void;
  /** Move the selection by delta within the pending queue (keyboard). */
  move(delta: number): void;
  /** The high-risk request whose approval waits for its confirm step (one at a time). */
  confirmId: string | null;
  askConfirm(id: string | null): void;
}

/** Policy risk (0–10) from which an approval needs a confirm step: the policy's `control` group defaults to 7. */
export const HIGH_RISK = 7;

/**
 * High risk: the policy rates it 7 or more, or it changes the plant (a device command or a plan of them),
 * whatever the rating. Approving one takes two deliberate acts (Approve, then Confirm), by mouse or keyboard.
 */
export function isHighRisk(a: Pick<ApprovalView, 'risk' | 'kind' | 'tool' | 'args'>): boolean {
  return a.risk >= HIGH_RISK || a.kind === 'plan' || typeof a.args.command === 'string';
}

/** Why a request counts as high risk, in the operator's words. */
export function highRiskWhy(a: Pick<ApprovalView, 'risk' | 'kind' | 'args'>): string {
  const why: string[] = [];
  if (a.risk >= HIGH_RISK) why.push(`policy risk ${a.risk}/10`);
  if (typeof a.args.command === 'string') why.push(`plant command ${a.args.command}`);
  else if (a.kind === 'plan') why.push('a plan of plant commands');
  return why.join(', ');
}

const HISTORY_MAX = 200;

export const byDeadline = (a: ApprovalView, b: ApprovalView) => a.deadline - b.deadline || a.createdAt - b.createdAt;

export function withCreated(pending: ApprovalView[], a: ApprovalView): ApprovalView[] {
  if (a.status !== 'pending') return pending;
  return [...pending.filter((p) => p.id !== a.id), a].sort(byDeadline);
}

/** After a decision the selection moves to the next pending row, so an operator can work down the queue. */
export function nextSelection(pending: ApprovalView[], removedId: string, selectedId: string | null): string | null {
  if (selectedId !== removedId) return selectedId;
  const i = pending.findIndex((p) => p.id === removedId);
  const rest = pending.filter((p) => p.id !== removedId);
  return rest[Math.min(Math.max(i, 0), rest.length - 1)]?.id ?? null;
}

export function createApprovalsStore() {
  return create<ApprovalsState>()((set) => ({
    pending: [],
    history: [],
    selectedId: null,
    loaded: false,
    clockSkewMs: 0,
    confirmId: null,
    setAll: (pending, history) =>
      set((s) => {
        const p = pending.filter((a) => a.status === 'pending').sort(byDeadline);
        return {
          pending: p,
          history: history.slice(0, HISTORY_MAX),
          loaded: true,
          selectedId: s.selectedId && p.some((a) => a.id === s.selectedId) ? s.selectedId : (p[0]?.id ?? null),
        };
      }),
    created: (a, receivedAt = Date.now()) =>
      set((s) => {
        const pending = withCreated(s.pending, a);
        // The event left the core moments after createdAt: their difference is the skew plus a few ms of transit.
        const skew = a.createdAt - receivedAt;
        const clockSkewMs = Math.abs(skew - s.clockSkewMs) > 250 ? skew : s.clockSkewMs;
        return { pending, selectedId: s.selectedId ?? (a.status === 'pending' ? a.id : null), clockSkewMs };
      }),
    decided: (a) =>
      set((s) => ({
        pending: s.pending.filter((p) => p.id !== a.id),
        history: [a, ...s.history.filter((h) => h.id !== a.id)].slice(0, HISTORY_MAX),
        selectedId: nextSelection(s.pending, a.id, s.selectedId),
        confirmId: s.confirmId === a.id ? null : s.confirmId,
      })),
    select: (id) => set((s) => ({ selectedId: id, confirmId: s.confirmId === id ? s.confirmId : null })),
    askConfirm: (confirmId) => set({ confirmId }),
    move: (delta) =>
      set((s) => {
        if (s.pending.length === 0) return {};
        const i = s.pending.findIndex((p) => p.id === s.selectedId);
        const j = Math.min(Math.max((i < 0 ? 0 : i) + delta, 0), s.pending.length - 1);
        return { selectedId: s.pending[j].id };
      }),
  }));
}
export type ApprovalsStore = ReturnType<typeof createApprovalsStore>;
export const useApprovals = createApprovalsStore();

/** Seconds left before an approval expires (timeout = deny), never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

export function formatCountdown(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** One line for a notification or a list: the command and its device, the rest abbreviated. */
export function summarizeArgs(args: Record<string, unknown>, max = 80): string {
  const text = Object.entries(args)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
