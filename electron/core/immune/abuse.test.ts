// The abuse test on its own: pure functions, time in ms of an injected clock.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../clock';
import { abuseState, abuseThreshold, bernoulliKl, DEFAULT_ABUSE, detectAbuse, isAbusive, observeCall, poissonTailNats, type CallOutcome } from './abuse';

const o = DEFAULT_ABUSE;
const T0 = 1_700_000_000_000;

/** Feed calls every `everyMs`; returns the index of the call that was flagged, or -1. */
function run(
  outcomes: (i: number) => CallOutcome,
  n: number,
  everyMs: number,
  state = abuseState(o),
  start = T0,
): { at: number; state: ReturnType<typeof abuseState> } {
  for (let i = 0; i < n; i++) {
    const ts = start + i * everyMs;
    observeCall(state, ts, outcomes(i), o);
    if (detectAbuse('a', ts, state, o)) return { at: i, state };
  }
  return { at: -1, state };
}

describe('abuse: refused calls against absolute bounds', () => {
  it('uses the textbook Chernoff exponents', () => {
    expect(bernoulliKl(1, 0.5)).toBeCloseTo(Math.LN2, 12);
    expect(bernoulliKl(0.5, 0.5)).toBe(0);
    expect(poissonTailNats(10, 10)).toBe(0);
    expect(poissonTailNats(20, 10)).toBeCloseTo(20 * Math.log(2) - 10, 12);
    // Two half-lives × two tests, and the CUSUM, share alpha.
    expect(abuseThreshold(o)).toBeCloseTo(Math.log(5 / 1e-6), 12);
  });

  it('flags 100 % refusals after about twenty calls, whether they come every 50 ms, 10 s or minute', () => {
    for (const every of [50, 10_000, 60_000]) {
      const { at } = run(() => 'blocked', 500, every);
      expect([every, at]).toEqual([every, expect.any(Number)]);
      expect(at).toBeGreaterThanOrEqual(20);
      expect(at).toBeLessThan(40);
    }
    // Too slow for an hour's memory to hold twenty: one refusal every 30 min is not a pattern.
    expect(run(() => 'invalid', 200, 1_800_000).at).toBe(-1);
  });

  it('flags a burst of refusals among served calls by its rate', () => {
    // 100 served calls a minute and, from call 600 on, one in three refused (33 %: under the share bound).
    const { at } = run((i) => (i >= 600 && i % 3 === 0 ? 'invalid' : 'served'), 2000, 600);
    expect(at).toBeGreaterThan(600);
    expect(at).toBeLessThan(900);
  });

  it('never flags agents within the bounds: 200 simulated agent-hours with random refusals and bursts', () => {
    const rng = seededRng(42);
    let flagged = 0;
    for (let agent = 0; agent < 200; agent++) {
      const state = abuseState(o);
      let ts = T0;
      // A model turn: a burst of 1-6 calls within a second, then 2-30 s of thinking; 30 % of calls refused.
      while (ts < T0 + 3_600_000) {
        const burst = 1 + Math.floor(rng() * 6);
        for (let k = 0; k < burst; k++) {
          ts += Math.floor(rng() * 200);
          observeCall(state, ts, rng() < 0.3 ? 'blocked' : 'served', o);
          if (detectAbuse('a', ts, state, o)) flagged++;
        }
        ts += 2000 + Math.floor(rng() * 28_000);
      }
    }
    expect(flagged).toBe(0);
  });

  it('cannot be trained: an hour just under the bounds buys no tolerance for what follows', () => {
    // 40 % refused, one call every 10 s (2.4 refusals a minute), for an hour.
    const before = run((i) => (i % 5 < 2 ? 'blocked' : 'served'), 360, 10_000);
    expect(before.at).toBe(-1);
    const after = run(() => 'blocked', 500, 10_000, before.state, T0 + 360 * 10_000);
    expect(after.at).toBeGreaterThanOrEqual(0);
    expect(after.at).toBeLessThan(40);
  });

  it('reports which kinds of refusal, the bound broken, and is abusive only while above a bound', () => {
    const state = abuseState(o);
    let report: ReturnType<typeof detectAbuse> = null;
    for (let i = 0; i < 100 && !report; i++) {
      observeCall(state, T0 + i * 100, i % 2 ? 'blocked' : 'rate_limited', o);
      report = detectAbuse('agent-7', T0 + i * 100, state, o);
    }
    expect(report).not.toBeNull();
    expect(report!.agent_id).toBe('agent-7');
    expect(report!.anomalies.map((a) => a.type)).toEqual(['blocked_calls', 'invalid_calls']);
    expect(report!.anomalies[0].detail).toMatch(/BLOCKed by the gateway .*a healthy agent is refused/);
    expect(report!.severity).toBeGreaterThan(0);
    expect(report!.severity).toBeLessThanOrEqual(10);
    expect(isAbusive(state, o)).toBe(true);
    // Five minutes of served calls: the refusals are diluted and have faded below both bounds.
    for (let i = 0; i < 300; i++) observeCall(state, T0 + 10_000 + i * 1000, 'served', o);
    expect(isAbusive(state, o)).toBe(false);
    expect(state.aboveSince).toBeNull();
  });
});
