// Abuse: an agent the gateway keeps refusing. Every call an agent makes through the governed MCP
// server is reported as it happens with its outcome: served, BLOCKed (policy, scope, revoked tools),
// invalid (arguments that fail the schema, unknown tools or methods, bodies that are not JSON-RPC) or
// rate-limited. The refusals are judged against two absolute bounds, not against the agent's baseline:
//   - refused share: a healthy agent is refused in at most `maxRefusedShare` of its calls;
//   - refused rate: a healthy agent is refused at most `maxRefusedPerMinute` times a minute.
//
// Why absolute bounds: a baseline learns what the agent does. An agent abusive from its first call (a
// fuzzer, a hijacked client) would teach its baseline that abuse is normal, and one that raises its
// refusals step by step would drag the baseline along. The bounds describe what no working agent
// needs, whatever its history, so no history buys tolerance; and vitals taken while an agent is above
// a bound are not learned into its baseline either (ImmuneService.ingest).
//
// Why a test and not a threshold on counts: one refused call out of one is 100 %. Each bound is a null
// hypothesis and an agent is flagged only when its refusals are very unlikely under it (probability
// at most `alpha`), by the Chernoff bounds of the binomial (share) and the Poisson (rate):
//   P(share ≥ q) ≤ exp(−n·KL(q‖p0)),   P(refusals ≥ k) ≤ exp(−(k·ln(k/μ) − k + μ)).
// Evidence grows with the calls seen: at the defaults 23 refusals in a row break the share bound,
// 2 do not. Calls of a healthy agent are not independent (a model turn sends several calls with the
// same mistake), which is why the bounds are generous and alpha is small.
//
// Time, not rows: counts decay exponentially with the time since each call, in seconds of the core's
// clock, at several half-lives: a minute catches a burst, an hour a slow and steady prober whose
// refusals a one-minute window would never hold enough of. Both bounds still hold for decayed counts
// (weights in [0, 1] only shrink the moment generating function; the Poisson mean is λ·h/ln 2, the
// decay kernel's integral), and all tests share alpha (Bonferroni).
//
// History buys nothing: a window also holds the agent's good past, so an agent that stayed just under
// the share bound for an hour could turn to 100 % refusals and be diluted by that hour for half an
// hour more. A CUSUM of the log-likelihood ratio "nine in ten refused" against the bound closes that:
// it never goes below zero, so a clean past cannot be banked, and it rises from the first refused
// call of the change. Under the bound, e^CUSUM from any start is a supermartingale, so by Ville's
// inequality it reaches ln(1/alpha) with probability at most alpha. It decays with the longest
// half-life, so a refusal every half hour is not a pattern.
import { combineSeverity } from './sentinel';
import type { AbuseAnomalyType, Anomaly, InfectionReport } from './schemas';

export const CALL_OUTCOMES = ['served', 'blocked', 'invalid', 'rate_limited'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export interface AbuseOptions {
  enabled: boolean;
  /** Half-lives of the decaying counts, in seconds of the core's clock. */
  halfLivesS: number[];
  /** Share of its calls a healthy agent may have refused (the binomial test's null hypothesis). */
  maxRefusedShare: number;
  /** Refusals a minute a healthy agent may get (the Poisson test's null hypothesis). */
  maxRefusedPerMinute: number;
  /** Probability that an agent within both bounds is flagged, per assessment, all tests together. */
  alpha: number;
}

export const DEFAULT_ABUSE: AbuseOptions = { enabled: true, halfLivesS: [60, 3600], maxRefusedShare: 0.5, maxRefusedPerMinute: 6, alpha: 1e-6 };

interface Scale {
  halfLifeS: number;
  calls: number;
  blocked: number;
  /** Invalid and rate-limited calls: refused before the gateway judged them. */
  invalid: number;
}

export interface AbuseState {
  /** Time of the newest call (ms of the core's clock); null before the first. */
  last: number | null;
  /** When the agent last went above a bound (the onset of an infection); null while within both. */
  aboveSince: number | null;
  scales: Scale[];
  /** CUSUM of ln(P(outcome | ABUSIVE_SHARE) / P(outcome | maxRefusedShare)), in nats, floored at 0. */
  cusum: number;
}

/** The abusive alternative of the CUSUM: nine in ten calls refused. */
const ABUSIVE_SHARE = 0.9;

export function abuseState(o: AbuseOptions): AbuseState {
  return { last: null, aboveSince: null, scales: o.halfLivesS.map((h) => ({ halfLifeS: h, calls: 0, blocked: 0, invalid: 0 })), cusum: 0 };
}

const refused = (s: Scale) => s.blocked + s.invalid;
/** Refusals a minute × the decay kernel's integral (h / ln 2 seconds): the Poisson mean the rate bound allows. */
const allowedRefusals = (s: Scale, o: AbuseOptions) => (o.maxRefusedPerMinute / 60) * (s.halfLifeS / Math.LN2);

/** Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p), in nats. */
export function bernoulliKl(q: number, p: number): number {
  const a = q > 0 ? q * Math.log(q / p) : 0;
  const b = q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0;
  return a + b;
}

/** −ln of the Chernoff bound on P(Poisson(μ) ≥ k), for k > μ. */
export function poissonTailNats(k: number, mu: number): number {
  return k > mu ? k * Math.log(k / mu) - k + mu : 0;
}

/** Evidence (nats) needed to flag: every scale runs two tests, plus the CUSUM, and they share alpha. */
export function abuseThreshold(o: AbuseOptions): number {
  return Math.log((2 * Math.max(1, o.halfLivesS.length) + 1) / o.alpha);
}

interface Evidence {
  nats: number;
  test: 'share' | 'rate' | 'change';
  scale: Scale;
  /** Refusals the bound allows in this scale's counts (p0·calls, or the Poisson mean). */
  allowed: number;
}

function strongest(s: AbuseState, o: AbuseOptions): Evidence | null {
  let best: Evidence | null = null;
  for (const sc of s.scales) {
    const r = refused(sc);
    if (r <= 0 || sc.calls <= 0) continue;
    const q = Math.min(1, r / sc.calls);
    const share: Evidence = {
      nats: q > o.maxRefusedShare ? sc.calls * bernoulliKl(q, o.maxRefusedShare) : 0,
      test: 'share',
      scale: sc,
      allowed: o.maxRefusedShare * sc.calls,
    };
    const mu = allowedRefusals(sc, o);
    const rate: Evidence = { nats: poissonTailNats(r, mu), test: 'rate', scale: sc, allowed: mu };
    for (const e of [share, rate]) if (e.nats > 0 && (!best || e.nats > best.nats)) best = e;
  }
  if (s.cusum > 0 && (!best || s.cusum > best.nats)) {
    // Reported on the shortest scale's counts: the recent calls are the ones that changed.
    const sc = s.scales.reduce((a, b) => (b.halfLifeS < a.halfLifeS ? b : a));
    if (refused(sc) > 0) best = { nats: s.cusum, test: 'change', scale: sc, allowed: o.maxRefusedShare * sc.calls };
  }
  return best;
}

/** True while the agent is refused more than a bound allows on any scale (significant or not). */
export function isAbusive(s: AbuseState, o: AbuseOptions): boolean {
  return o.enabled && s.scales.some((sc) => refused(sc) > o.maxRefusedShare * sc.calls || refused(sc) > allowedRefusals(sc, o));
}

/** Count one call at `ts` (ms). Out-of-order times count as now. */
export function observeCall(s: AbuseState, ts: number, outcome: CallOutcome, o: AbuseOptions): void {
  const dt = s.last === null ? 0 : Math.max(0, ts - s.last) / 1000;
  s.last = s.last === null ? ts : Math.max(s.last, ts);
  const isRefused = outcome !== 'served';
  const p0 = o.maxRefusedShare;
  const llr = isRefused ? Math.log(ABUSIVE_SHARE / p0) : Math.log((1 - ABUSIVE_SHARE) / (1 - p0));
  const longest = Math.max(...s.scales.map((sc) => sc.halfLifeS));
  s.cusum = Math.max(0, s.cusum * (dt > 0 ? 2 ** (-dt / longest) : 1) + llr);
  for (const sc of s.scales) {
    const d = dt > 0 ? 2 ** (-dt / sc.halfLifeS) : 1;
    sc.calls = sc.calls * d + 1;
    sc.blocked = sc.blocked * d + (outcome === 'blocked' ? 1 : 0);
    sc.invalid = sc.invalid * d + (outcome === 'invalid' || outcome === 'rate_limited' ? 1 : 0);
  }
  if (!isAbusive(s, o)) s.aboveSince = null;
  else if (s.aboveSince === null) s.aboveSince = s.last;
}

/** How far above the bound, as a severity: 3 at the bound, +2.5 per doubling (the sentinel's scale), at most 10. */
function severityOf(count: number, allowed: number): number {
  return Math.min(10, 3 + 2.5 * Math.log2(Math.max(1, count / Math.max(allowed, 1e-9))));
}

function span(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

/** An infection report when the agent's refusals break a bound with significance; null otherwise. */
export function detectAbuse(agentId: string, ts: number, s: AbuseState, o: AbuseOptions): InfectionReport | null {
  if (!o.enabled) return null;
  const e = strongest(s, o);
  if (!e || e.nats < abuseThreshold(o)) return null;
  const sc = e.scale;
  const window = span(sc.halfLifeS / Math.LN2);
  const bound =
    e.test === 'rate'
      ? `a healthy agent is refused at most ${o.maxRefusedPerMinute} times a minute`
      : e.test === 'share'
        ? `a healthy agent is refused in at most ${Math.round(o.maxRefusedShare * 100)} % of its calls`
        : `a healthy agent is refused in at most ${Math.round(o.maxRefusedShare * 100)} % of its calls, and its refusals since they rose look like ${Math.round(ABUSIVE_SHARE * 100)} %`;
  const kinds: Array<[AbuseAnomalyType, number, string]> = [
    ['blocked_calls', sc.blocked, 'BLOCKed by the gateway'],
    ['invalid_calls', sc.invalid, 'invalid (malformed arguments, unknown tools or methods, not JSON-RPC, rate-limited)'],
  ];
  const anomalies: Anomaly[] = kinds
    .filter(([, n]) => n >= 0.5)
    .map(([type, n, what]) => ({
      type,
      metric: 'refused_calls' as const,
      value: Math.round(n * 10) / 10,
      baseline_mean: Math.round(e.allowed * 10) / 10,
      baseline_std: 0,
      z: 0,
      ratio: Math.round((n / Math.max(e.allowed, 1e-9)) * 100) / 100,
      severity: Math.round(severityOf(n, e.allowed) * 10) / 10,
      detail: `${Math.round(n)} of ${Math.round(sc.calls)} calls ${what} over the last ~${window}; ${bound} (evidence ${e.nats.toFixed(1)} nats, flagged at ${abuseThreshold(o).toFixed(1)})`,
    }));
  const overall = severityOf(refused(sc), e.allowed);
  return { agent_id: agentId, ts, anomalies, severity: Math.max(Math.round(overall * 10) / 10, combineSeverity(anomalies)) };
}
