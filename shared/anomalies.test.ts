import { describe, expect, it } from 'vitest';
import { SEVERITIES, TYPE_HINTS, priorityOfEpisode } from './anomalies';

describe('anomaly alarm priority (issue 18 item 6)', () => {
  it('an unsure "unknown" hit is never high or urgent, whatever its score made of its severity', () => {
    // The episode of a strong hit the classifier could not name: severity critical, confidence 0.3.
    expect(priorityOfEpisode({ severity: 'critical', type_hint: 'unknown', confidence: 0.3 })).toBe('medium');
    expect(priorityOfEpisode({ severity: 'high', type_hint: 'unknown', confidence: 0.4 })).toBe('medium');
    for (const severity of SEVERITIES)
      for (const type_hint of TYPE_HINTS)
        for (const confidence of [0.3, 0.4, 0.49]) {
          expect(['high', 'urgent']).not.toContain(priorityOfEpisode({ severity, type_hint, confidence }));
        }
  });

  it('a confident known hazard keeps the priority its severity gives; lower severities are untouched', () => {
    expect(priorityOfEpisode({ severity: 'critical', type_hint: 'thermal_runaway', confidence: 0.9 })).toBe('urgent');
    expect(priorityOfEpisode({ severity: 'high', type_hint: 'pressure_leak', confidence: 0.75 })).toBe('high');
    expect(priorityOfEpisode({ severity: 'low', type_hint: 'unknown', confidence: 0.3 })).toBe('low');
    expect(priorityOfEpisode({ severity: 'info', type_hint: 'unknown', confidence: 0.3 })).toBe('diagnostic');
  });
});
