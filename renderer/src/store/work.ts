// Agent work in view: the operator agent's current run (its steps as they happen) and the demo's
// scenes, kept from the core's events so the top bar and the Agent work pane show what agents are doing
// while they do it. Initial state from agent.status / demo.status, then events only.
import { create } from 'zustand';
import type { AgentRunResult, AgentStepView, DemoStatus } from '../../../shared/agent';
import type { BridgeSurface } from '../../../shared/bridge';

export interface AgentRunView {
  runId: string;
  traceId: string;
  deviceId: string | null;
  trigger: string;
  startedAt: number;
  steps: AgentStepView[];
  result: AgentRunResult | null;
}

export interface WorkState {
  demo: DemoStatus | null;
  /** The newest run (running or finished). */
  run: AgentRunView | null;
  /** Bumped when a run finishes: the traces list reloads on it. */
  finishedRuns: number;
  setDemo(d: DemoStatus): void;
  demoStep(s: DemoStatus['steps'][number]): void;
  runStarted(r: { runId: string; traceId: string; deviceId: string | null; trigger: string }, at: number): void;
  runStep(s: AgentStepView): void;
  runFinished(r: AgentRunResult): void;
}

const MAX_STEPS = 200;

export const useWork = create<WorkState>()((set) => ({
  demo: null,
  run: null,
  finishedRuns: 0,
  setDemo: (demo) => set({ demo }),
  demoStep: (s) =>
    set((st) => {
      const base = st.demo?.running ? st.demo : { running: true, startedAt: s.ts, finishedAt: null, ok: null, steps: [] };
      return { demo: { ...base, steps: [...base.steps.filter((x) => x.index !== s.index), s] } };
    }),
  runStarted: (r, at) => set({ run: { ...r, startedAt: at, steps: [], result: null } }),
  runStep: (s) => set((st) => (st.run && st.run.runId === s.runId ? { run: { ...st.run, steps: [...st.run.steps, s].slice(-MAX_STEPS) } } : {})),
  runFinished: (r) =>
    set((st) => ({
      run:
        st.run && st.run.runId === r.runId
          ? { ...st.run, result: r }
          : { runId: r.runId, traceId: r.traceId, deviceId: r.deviceId, trigger: '', startedAt: 0, steps: [], result: r },
      finishedRuns: st.finishedRuns + 1,
    })),
}));

/** Is an agent run going on now? */
export const runActive = (s: WorkState) => !!s.run && !s.run.result;

/** Follow the core's agent and demo events; returns the unsubscribe. */
export function startWorkSync(api: BridgeSurface): () => void {
  const w = useWork.getState();
  void api.demoStatus({}).then((r) => r.ok && (r.result.running || r.result.steps.length) && useWork.getState().setDemo(r.result));
  void api.agentStatus({}).then((r) => {
    if (r.ok && r.result.running && !useWork.getState().run)
      useWork.getState().runStarted({ ...r.result.running, trigger: 'running when the console connected' }, Date.now());
  });
  const offs = [
    api.onDemoStep((s) => w.demoStep(s)),
    api.onDemoFinished((d) => w.setDemo(d)),
    api.onAgentRunStarted((r) => w.runStarted(r, Date.now())),
    api.onAgentStep((s) => w.runStep(s)),
    api.onAgentRunFinished((r) => w.runFinished(r)),
  ];
  return () => offs.forEach((o) => o());
}
