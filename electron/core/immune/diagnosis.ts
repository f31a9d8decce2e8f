// The diagnostician: maps a pattern of anomalies to a cause (seed 001's five diagnosis types), with
// the evidence an operator can check and a confidence. Weighted rules, not a black box: each
// weight says how strongly an anomaly points at a cause (positive) or away from it (negative).
import { DIAGNOSIS_TYPES, type Anomaly, type AnomalyType, type Diagnosis, type DiagnosisType, type InfectionReport } from './schemas';

const W: Record<DiagnosisType, Partial<Record<AnomalyType, number>>> = {
  // A changed prompt that makes the agent talk more or cost more, without new inputs: drift.
  prompt_drift: {
    prompt_change: 3,
    output_spike: 1.5,
    cost_spike: 1,
    token_explosion: 0.5,
    input_spike: -2,
    tool_call_explosion: -1,
    retry_storm: -1,
  },
  // A changed prompt plus a flood of input (injected instructions or documents) and new tool use.
  // An agent that keeps asking for what the policy forbids is following someone else's instructions.
  prompt_injection: {
    prompt_change: 2,
    input_spike: 3,
    blocked_calls: 3,
    tool_call_explosion: 1.5,
    output_spike: 0.3,
    retry_storm: -1,
    error_rate: -0.5,
  },
  // The same tools called again and again: tool calls, tokens and time all explode; prompt unchanged.
  infinite_loop: {
    tool_call_explosion: 3,
    token_explosion: 1,
    // Below tool_instability's weight: slowness alone more often means slow tools than a loop.
    latency_explosion: 0.8,
    cost_spike: 0.3,
    prompt_change: -1.5,
    retry_storm: -0.5,
  },
  // Tools fail: retries and errors climb, runs get slower.
  tool_instability: {
    retry_storm: 3,
    error_rate: 2,
    invalid_calls: 1,
    latency_explosion: 1,
    prompt_change: -1,
    input_spike: -0.5,
  },
  // Bloated or garbled context: inputs grow, outputs go erratic, errors appear, prompt unchanged.
  // Calls that do not parse (malformed arguments, made-up tools and methods) come from garbled context.
  memory_corruption: {
    invalid_calls: 2.5,
    input_spike: 1.5,
    output_spike: 1.5,
    error_rate: 1.5,
    token_explosion: 1.2,
    prompt_change: -2,
    tool_call_explosion: -1,
    retry_storm: -1,
  },
};

function fmt(n: number): string {
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(1);
  return n.toPrecision(2);
}

export function describeAnomaly(a: Anomaly): string {
  if (a.detail) return a.detail;
  if (a.type === 'prompt_change') return 'prompt hash differs from the one the baseline was learned with';
  if (a.type === 'error_rate' && a.z === 0) return `errors in ${(a.value * 100).toFixed(0)}% of recent runs vs ${(a.baseline_mean * 100).toFixed(0)}% normally`;
  return `${a.metric} ${fmt(a.value)} vs baseline ${fmt(a.baseline_mean)}±${fmt(a.baseline_std)} (${a.ratio.toFixed(1)}×, z=${a.z.toFixed(1)})`;
}

export function diagnose(report: Pick<InfectionReport, 'anomalies'>): Diagnosis {
  const present = new Map<AnomalyType, Anomaly>();
  for (const a of report.anomalies) present.set(a.type, a);
  const scores = DIAGNOSIS_TYPES.map((type) => {
    let s = 0;
    for (const [anomaly, weight] of Object.entries(W[type]) as Array<[AnomalyType, number]>) {
      const a = present.get(anomaly);
      // Stronger anomalies weigh more, within 0.75–1.25 of the rule weight.
      if (a) s += weight * (weight > 0 ? 0.75 + Math.min(a.severity, 10) / 20 : 1);
    }
    return { type, score: Math.max(0, s) };
  }).sort((a, b) => b.score - a.score || DIAGNOSIS_TYPES.indexOf(a.type) - DIAGNOSIS_TYPES.indexOf(b.type));

  const total = scores.reduce((s, x) => s + x.score, 0);
  const best = scores[0];
  const evidence = report.anomalies
    .slice()
    .sort((a, b) => (W[best.type][b.type] ?? 0) - (W[best.type][a.type] ?? 0))
    .map(describeAnomaly);
  if (total === 0) {
    // Nothing characteristic (e.g. a latency spike alone points nowhere strongly): say so.
    return { type: 'tool_instability', confidence: 0.2, evidence: [...evidence, 'no characteristic pattern; weakest hypothesis'], alternatives: [] };
  }
  const confidence = Math.round((best.score / total) * Math.min(1, best.score / 3) * 100) / 100;
  return {
    type: best.type,
    confidence,
    evidence,
    alternatives: scores
      .slice(1)
      .filter((s) => s.score > 0)
      .map((s) => ({ type: s.type, confidence: Math.round((s.score / total) * 100) / 100 })),
  };
}
