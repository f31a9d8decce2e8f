import { describe, expect, it } from 'vitest';
import type { Alarm } from '../../../shared/anomalies';
import type { ApprovalView, AuditRowView } from '../../../shared/governance';
import { createAgentsStore, sortedAgents } from './agents';
import { alarmName, alarmSummary, alarmText, createAlarmsStore, visibleAlarms } from './alarms';
import { createApprovalsStore, formatCountdown, isHighRisk, secondsLeft, summarizeArgs } from './approvals';
import { lookupOf, type AssetView, type PlantModelView } from './model';
import { toNdjson, toQuery } from './audit';
import { loadPrefs } from './prefs';
import { bucketDecisions, governanceStats } from './stats';

const approval = (id: string, deadline: number, status: ApprovalView['status'] = 'pending'): ApprovalView => ({
  id,
  kind: 'call',
  agentId: 'agent-a',
  tool: 'execute_device_command',
  args: { device_id: 'line-1/pump-03', command: 'reduce_load', params: { reduction_pct: 30 } },
  argsHash: 'h',
  status,
  reason: 'device commands need approval',
  ruleId: 'review-device-commands',
  policyVersion: 'abc',
  risk: 5,
  approverRole: null,
  requiredApprovals: 1,
  approvals: [],
  createdAt: deadline - 120_000,
  deadline,
  decidedAt: status === 'pending' ? null : deadline - 1000,
  decidedBy: status === 'pending' ? null : 'op',
  comment: null,
  planId: null,
  collectBy: null,
});

describe('approvals slice', () => {
  it('orders the queue by deadline and selects the first request that arrives', () => {
    const s = createApprovalsStore();
    s.getState().created(approval('b', 2000));
    s.getState().created(approval('a', 1000));
    expect(s.getState().pending.map((a) => a.id)).toEqual(['a', 'b']);
    expect(s.getState().selectedId).toBe('b');
  });

  it('a decision moves the request to history and the selection to the next one', () => {
    const s = createApprovalsStore();
    s.getState().setAll([approval('a', 1000), approval('b', 2000), approval('c', 3000)], []);
    s.getState().select('b');
    s.getState().decided(approval('b', 2000, 'approved'));
    expect(s.getState().pending.map((a) => a.id)).toEqual(['a', 'c']);
    expect(s.getState().selectedId).toBe('c');
    expect(s.getState().history[0].status).toBe('approved');
  });

  it('a duplicate created event does not duplicate the row; a non-pending one is not queued', () => {
    const s = createApprovalsStore();
    s.getState().created(approval('a', 1000));
    s.getState().created(approval('a', 1000));
    s.getState().created(approval('x', 1000, 'expired'));
    expect(s.getState().pending.map((a) => a.id)).toEqual(['a']);
  });

  it('estimates the core clock from fresh events, ignoring transit jitter', () => {
    const s = createApprovalsStore();
    const a = approval('a', 200_000);
    s.getState().created({ ...a, createdAt: 100_000 }, 40_000); // the core is 60 s ahead of this page
    expect(s.getState().clockSkewMs).toBe(60_000);
    s.getState().created({ ...approval('b', 300_000), createdAt: 100_100 }, 40_050); // 50 ms of jitter: kept
    expect(s.getState().clockSkewMs).toBe(60_000);
    expect(secondsLeft(200_000, 45_000 + s.getState().clockSkewMs)).toBe(95);
  });

  it('keyboard moves stay inside the queue', () => {
    const s = createApprovalsStore();
    s.getState().setAll([approval('a', 1000), approval('b', 2000)], []);
    s.getState().move(5);
    expect(s.getState().selectedId).toBe('b');
    s.getState().move(-5);
    expect(s.getState().selectedId).toBe('a');
  });

  it('counts down in whole seconds and never below zero', () => {
    expect(secondsLeft(10_500, 10_000)).toBe(1);
    expect(secondsLeft(5_000, 10_000)).toBe(0);
    expect(formatCountdown(125)).toBe('2:05');
    expect(summarizeArgs({ command: 'reduce_load', device_id: 'line-1/pump-03' })).toBe('command=reduce_load, device_id=line-1/pump-03');
    expect(summarizeArgs({ text: 'x'.repeat(200) }, 20)).toHaveLength(20);
  });
});

const alarm = (id: string, over: Partial<Alarm>): Alarm => ({
  id,
  source: 'line-1/pump-03',
  kind: 'anomaly',
  priority: 'medium',
  message: 'm',
  state: 'unacknowledged',
  active: true,
  acknowledged: false,
  activated_at: 1000,
  cleared_at: null,
  acked_by: null,
  acked_at: null,
  shelved_by: null,
  shelve_reason: null,
  shelved_until: null,
  oos_by: null,
  oos_reason: null,
  suppress_reason: null,
  activations: 1,
  chattering: false,
  first_out: false,
  stale: false,
  episode_id: null,
  updated_at: 1000,
  ...over,
});

const compressor: AssetView = {
  id: 'line-1/compressor-01',
  asset: 'compressor-01',
  name: 'Compressor 1',
  type: 'compressor',
  type_name: 'Air compressor',
  model: 'compressor',
  area: 'production',
  line: 'line-1',
  tags: [
    {
      id: 'line-1/compressor-01/temperature',
      key: 'temperature',
      device_id: 'line-1/compressor-01',
      name: 'Temperature',
      unit: '°C',
      type: 'float',
      range: [-50, 250],
      normal: [76, 84],
      limits: [],
      sampling_s: 5,
      detect: true,
      source: { connector: 'plant-mqtt' },
    },
  ],
  commands: [],
};
const MODEL: PlantModelView = {
  version: 'v1',
  file: 'demo.yaml',
  site: { id: 's', name: 'Site' },
  areas: [{ id: 'production', name: 'Production', lines: [{ id: 'line-1', name: 'Line 1', assets: [compressor.id] }] }],
  assets: [compressor],
  connectors: [{ id: 'plant-mqtt', type: 'mqtt-json' }],
};

describe('alarms slice', () => {
  it('lists unacknowledged before acknowledged, then by priority, first-out first', () => {
    const s = createAlarmsStore();
    s.getState().setAll([
      alarm('ack-urgent', { state: 'acknowledged', acknowledged: true, priority: 'urgent' }),
      alarm('low', { priority: 'low' }),
      alarm('high', { priority: 'high' }),
      alarm('high-first', { priority: 'high', first_out: true, activated_at: 10 }),
      alarm('normal', { state: 'normal', active: false }),
      alarm('shelved', { state: 'shelved' }),
    ]);
    expect(visibleAlarms(s.getState()).map((a) => a.id)).toEqual(['high-first', 'high', 'low', 'ack-urgent']);
    s.getState().setFilter({ view: 'shelved' });
    expect(visibleAlarms(s.getState()).map((a) => a.id)).toEqual(['shelved']);
    s.getState().setFilter({ view: 'all', priority: 'high' });
    expect(visibleAlarms(s.getState()).map((a) => a.id)).toEqual(['high-first', 'high']);
  });

  it('applies a state change from the core to the one alarm it names', () => {
    const s = createAlarmsStore();
    s.getState().setAll([alarm('a', {}), alarm('b', {})]);
    const acked = alarm('a', { state: 'acknowledged', acknowledged: true, acked_by: 'op' });
    s.getState().applyChange({ alarm: acked, from: 'unacknowledged', to: 'acknowledged', at: 2000, by: 'op', reason: null });
    expect(s.getState().alarms.a.state).toBe('acknowledged');
    expect(alarmSummary(s.getState().alarms)).toEqual({ unacked: 1, active: 2, standing: 2, removed: 0, top: 'medium' });
  });

  it('counts a returned-unacknowledged alarm as standing and a shelved one apart, never as gone', () => {
    const sum = alarmSummary({
      rtn: alarm('rtn', { state: 'rtn_unacknowledged', active: false }),
      shelved: alarm('shelved', { state: 'shelved', priority: 'urgent' }),
    });
    // Overview's "active alarms" (standing) is never below "awaiting ack".
    expect(sum).toEqual({ unacked: 1, active: 0, standing: 1, removed: 1, top: 'medium' });
  });

  it('names alarms by asset and tag, never by internal id', () => {
    const lookup = lookupOf(MODEL);
    expect(alarmName('line-1/compressor-01:anomaly', 'line-1/compressor-01', lookup)).toBe('Compressor 1 anomaly');
    expect(alarmName('line-1/compressor-01/temperature:HH', 'line-1/compressor-01', lookup)).toBe('Compressor 1 Temperature HH');
    // The flood's first out is an id alone: its asset is read from it.
    expect(alarmName('line-1/compressor-01:communication', null, lookup)).toBe('Compressor 1 communication');
    expect(alarmName('broker:communication', 'broker', lookup)).toBe('broker communication');
    expect(alarmText(alarm('x', { source: 'line-1/compressor-01', message: 'line-1/compressor-01 Temperature 103 °C above H limit 90 °C' }), lookup)).toBe(
      'Compressor 1 Temperature 103 °C above H limit 90 °C',
    );
  });
});

describe('high-risk approvals', () => {
  it('are those the policy rates 7 or more, and every plant command or plan whatever its rating', () => {
    const a = approval('a', 1);
    expect(isHighRisk({ ...a, risk: 3 })).toBe(true); // a device command
    expect(isHighRisk({ ...a, risk: 3, tool: 'acknowledge_anomaly', args: { device_id: 'line-1/pump-03' } })).toBe(false);
    expect(isHighRisk({ ...a, risk: 7, tool: 'acknowledge_anomaly', args: {} })).toBe(true);
    expect(isHighRisk({ ...a, risk: 3, kind: 'plan', tool: 'propose_plan', args: {} })).toBe(true);
  });

  it('keeps one confirm step open at a time and drops it when the request is decided', () => {
    const s = createApprovalsStore();
    s.getState().setAll([approval('a', 1), approval('b', 2)], []);
    s.getState().askConfirm('a');
    s.getState().select('b');
    expect(s.getState().confirmId).toBeNull();
    s.getState().askConfirm('b');
    s.getState().decided({ ...approval('b', 2), status: 'approved' });
    expect(s.getState().confirmId).toBeNull();
  });
});

describe('agents slice', () => {
  const agent = (id: string, status: 'active' | 'paused' | 'quarantined', name = id) => ({
    id,
    name,
    role: 'assistant',
    model: null,
    createdAt: 0,
    status,
    statusReason: null,
    lastSeen: null,
    scope: {},
    reducedAutonomy: false,
    revokedTools: [],
  });
  it('puts quarantined and paused agents on top, and drops removed ones', () => {
    const s = createAgentsStore();
    s.getState().setAll([agent('a', 'active'), agent('b', 'paused'), agent('c', 'quarantined')]);
    expect(sortedAgents(s.getState().agents).map((a) => a.id)).toEqual(['c', 'b', 'a']);
    s.getState().select('b');
    s.getState().changed({ id: 'b', removed: true });
    expect(Object.keys(s.getState().agents).sort()).toEqual(['a', 'c']);
    expect(s.getState().selectedId).toBeNull();
  });
});

const row = (seq: number, kind: string, agentId: string | null, tool: string | null, ts = seq * 1000): AuditRowView => ({
  seq,
  ts,
  kind,
  agentId,
  tool,
  decision: null,
  reason: null,
  ruleId: null,
  policyVersion: null,
  approvalId: null,
  actor: null,
  argsHash: null,
  args: null,
  detail: null,
  prevHash: '',
  hash: '',
});

describe('audit and overview figures', () => {
  it('counts calls by decision and ranks agents and tools', () => {
    const s = governanceStats([
      row(1, 'ALLOWED', 'a', 'get_device_status'),
      row(2, 'ALLOWED', 'a', 'get_device_status'),
      row(3, 'REVIEW', 'b', 'execute_device_command'),
      row(4, 'APPROVED', 'b', 'execute_device_command'),
      row(5, 'BLOCKED', 'b', 'execute_device_command'),
      row(6, 'KILLED', 'b', null),
      row(7, 'POLICY_LOADED', null, null),
    ]);
    expect(s).toMatchObject({ calls: 4, allowed: 2, reviewed: 1, blocked: 1, approved: 1, killed: 1 });
    expect(s.topAgents).toEqual([
      { id: 'a', calls: 2 },
      { id: 'b', calls: 2 },
    ]);
    expect(s.topTools[0]).toEqual({ tool: 'execute_device_command', calls: 2 });
  });

  it('buckets an agent’s calls per hour by decision, empty hours as zeros, one closing bucket', () => {
    const h = 3_600_000;
    const b = bucketDecisions(
      [row(1, 'ALLOWED', 'a', 't', 10), row(2, 'BLOCKED', 'a', 't', 20), row(3, 'REVIEW', 'a', 't', 2 * h + 5), row(4, 'APPROVED', 'a', 't', 2 * h + 6)],
      h,
    );
    expect(b).toEqual({ t: [0, 3600, 7200, 10800], allowed: [1, 0, 0, 0], blocked: [1, 0, 0, 0], reviewed: [0, 0, 1, 0] });
    expect(bucketDecisions([], h)).toEqual({ t: [], allowed: [], blocked: [], reviewed: [] });
  });

  it('turns the filter form into a query, leaving empty fields out', () => {
    expect(toQuery({ agentId: ' a ', tool: '', kind: 'blocked', from: '', to: 'nonsense' }, 40)).toEqual({
      limit: 100,
      agentId: 'a',
      kind: 'BLOCKED',
      beforeSeq: 40,
    });
    expect(toNdjson([row(1, 'ALLOWED', null, null)]).split('\n')).toHaveLength(2);
    expect(toNdjson([])).toBe('');
  });
});

describe('preferences', () => {
  it('falls back to defaults on missing, broken or hostile storage', () => {
    const d = { sound: false, browserNotify: false };
    expect(loadPrefs(undefined)).toEqual(d);
    expect(loadPrefs({ getItem: () => '{not json' })).toEqual(d);
    // A name stored by an older version is ignored: who decides comes from the session.
    expect(loadPrefs({ getItem: () => JSON.stringify({ operator: '  Dana ', sound: 'yes', browserNotify: true }) })).toEqual({
      sound: false,
      browserNotify: true,
    });
  });
});

describe('trends selection', () => {
  it('is remembered, never empty, at most sixteen entries, and survives garbage', async () => {
    const { createTrendsStore, parseSelection } = await import('./trends');
    const mem = new Map<string, string>();
    const storage = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) };
    const a = createTrendsStore(storage);
    a.getState().setEntries(['line-2/pump-03/flow']);
    a.getState().setEntries([]);
    expect(a.getState().entries).toEqual(['line-2/pump-03/flow']);
    a.getState().setEntries(Array.from({ length: 20 }, (_, i) => `dev/t-${i}`));
    expect(a.getState().entries).toHaveLength(16);
    expect(a.getState().entries.at(-1)).toBe('dev/t-19');
    a.getState().setWindow(86400);
    expect(createTrendsStore(storage).getState()).toMatchObject({ entries: a.getState().entries, windowSec: 86400 });
    expect(parseSelection('{"entries":[1,2],"windowSec":5}')).toEqual({ entries: ['line-1/compressor-01'], windowSec: 3600 });
    // A selection saved by the device-only Trends still opens (its devices stand for their tags).
    expect(parseSelection('{"devices":["line-3/motor-02"],"windowSec":600}')).toEqual({ entries: ['line-3/motor-02'], windowSec: 600 });
  });
});
