import { describe, expect, it } from 'vitest';
import { emptyBaseline, learnSample, welfordAdd, welfordEmpty, welfordStd, type AgentBaseline } from './baseline';
import { diagnose } from './diagnosis';
import { createSimulatedFleet } from './fleet';
import { ANOMALY_TYPES, type VitalsAnomalyType, type Vitals } from './schemas';
import { detectInfection } from './sentinel';

const AGENT = 'sim-data-02';

function learned(n = 60): { baseline: AgentBaseline; clean: () => Vitals } {
  const fleet = createSimulatedFleet({ size: 4, seed: 5 });
  const baseline = emptyBaseline();
  let ts = 1_000_000;
  for (let i = 0; i < n; i++) learnSample(baseline, fleet.sample(AGENT, (ts += 1000)));
  return { baseline, clean: () => fleet.sample(AGENT, (ts += 1000)) };
}

/** Distort one sample the way each anomaly type shows in vitals, leaving the other metrics alone. */
const DISTORT: Record<VitalsAnomalyType, (v: Vitals) => Vitals> = {
  token_explosion: (v) => ({ ...v, total_tokens: v.total_tokens * 6 }),
  latency_explosion: (v) => ({ ...v, latency_ms: v.latency_ms * 6 }),
  tool_call_explosion: (v) => ({ ...v, tool_calls: v.tool_calls * 5 + 20 }),
  retry_storm: (v) => ({ ...v, retries: 9 }),
  input_spike: (v) => ({ ...v, input_tokens: v.input_tokens * 6 }),
  output_spike: (v) => ({ ...v, output_tokens: v.output_tokens * 6 }),
  cost_spike: (v) => ({ ...v, cost_usd: v.cost_usd * 10 }),
  prompt_change: (v) => ({ ...v, prompt_hash: 'deadbeef' }),
  error_rate: (v) => ({ ...v, errors: 5 }),
};

describe('baseline (Welford)', () => {
  it('matches the two-pass mean and sample standard deviation', () => {
    const xs = [3, 7, 7, 19, 24, 1, 0.5, 12];
    const w = welfordEmpty();
    for (const x of xs) welfordAdd(w, x);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    expect(w.mean).toBeCloseTo(mean, 10);
    expect(welfordStd(w)).toBeCloseTo(sd, 10);
  });
});

describe('sentinel', () => {
  it.each(ANOMALY_TYPES)('detects %s and reports it with a severity within 0–10', (type) => {
    const { baseline, clean } = learned();
    const window = [clean(), DISTORT[type](clean()), DISTORT[type](clean())];
    const report = detectInfection(window, baseline);
    expect(report).not.toBeNull();
    expect(report!.anomalies.map((a) => a.type)).toEqual([type]);
    expect(report!.severity).toBeGreaterThan(0);
    expect(report!.severity).toBeLessThanOrEqual(10);
  });

  it('detects a sustained error rate even when no single run has many errors', () => {
    const { baseline, clean } = learned();
    const window = Array.from({ length: 10 }, (_, i) => ({ ...clean(), errors: i % 4 === 3 ? 0 : 1 }));
    const report = detectInfection(window, baseline);
    expect(report?.anomalies.map((a) => a.type)).toContain('error_rate');
  });

  it('waits for a second sample before flagging a moderate excursion, but not for an extreme one', () => {
    const { baseline, clean } = learned();
    const moderate = (v: Vitals) => ({ ...v, latency_ms: baseline.metrics.latency_ms.mean * 2.4 });
    expect(detectInfection([clean(), clean(), moderate(clean())], baseline)).toBeNull();
    expect(detectInfection([clean(), moderate(clean()), moderate(clean())], baseline)).not.toBeNull();
    const extreme = (v: Vitals) => ({ ...v, latency_ms: baseline.metrics.latency_ms.mean * 12 });
    expect(detectInfection([clean(), clean(), extreme(clean())], baseline)).not.toBeNull();
  });

  it('scores a bigger explosion as more severe', () => {
    const { baseline, clean } = learned();
    const sev = (k: number) =>
      detectInfection(
        [
          clean(),
          { ...clean(), tool_calls: Math.round(baseline.metrics.tool_calls.mean * k) },
          { ...clean(), tool_calls: Math.round(baseline.metrics.tool_calls.mean * k) },
        ],
        baseline,
      )!.severity;
    expect(sev(3)).toBeLessThan(sev(8));
    expect(sev(8)).toBeLessThan(sev(40));
    expect(sev(1000)).toBeLessThanOrEqual(10);
  });

  it('stays quiet on an hour of healthy traffic from every kind of agent', () => {
    const fleet = createSimulatedFleet({ size: 8, seed: 21 });
    let alarms = 0;
    for (const a of fleet.agents()) {
      const baseline = emptyBaseline();
      const recent: Vitals[] = [];
      for (let i = 0; i < 3600; i++) {
        const v = fleet.sample(a.agent_id, i * 1000);
        recent.push(v);
        if (recent.length > 12) recent.shift();
        if (i < 20) learnSample(baseline, v);
        else if (detectInfection(recent, baseline)) alarms++;
        else learnSample(baseline, v);
      }
    }
    expect(alarms).toBe(0);
  });
});

describe('diagnosis', () => {
  const { baseline, clean } = learned();
  const report = (...fs: Array<(v: Vitals) => Vitals>) => {
    const mk = () => fs.reduce((v, f) => f(v), clean());
    return detectInfection([clean(), mk(), mk()], baseline)!;
  };
  const D = DISTORT;

  it('names prompt drift: new prompt, longer answers, same inputs', () => {
    const d = diagnose(report(D.prompt_change, D.output_spike, D.cost_spike));
    expect(d.type).toBe('prompt_drift');
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.evidence.join(' ')).toMatch(/prompt hash/);
  });
  it('names prompt injection: new prompt, flood of input, more tool calls', () => {
    const d = diagnose(report(D.prompt_change, D.input_spike, D.tool_call_explosion));
    expect(d.type).toBe('prompt_injection');
    expect(d.evidence.join(' ')).toMatch(/input_tokens/);
  });
  it('names an infinite loop: tool calls, tokens and time explode, prompt unchanged', () => {
    const d = diagnose(report(D.tool_call_explosion, D.token_explosion, D.latency_explosion));
    expect(d.type).toBe('infinite_loop');
    expect(d.evidence[0]).toMatch(/tool_calls/);
  });
  it('names tool instability: retries and errors climb, runs slow down', () => {
    const d = diagnose(report(D.retry_storm, D.error_rate, D.latency_explosion));
    expect(d.type).toBe('tool_instability');
    expect(d.alternatives.every((a) => a.confidence < d.confidence)).toBe(true);
  });
  it('names memory corruption: bloated input, erratic output, errors, prompt unchanged', () => {
    const d = diagnose(report(D.input_spike, D.output_spike, D.error_rate));
    expect(d.type).toBe('memory_corruption');
    expect(d.confidence).toBeGreaterThan(0.4);
  });
});
